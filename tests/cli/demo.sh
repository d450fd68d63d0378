#!/usr/bin/env bash
# `make demo` generates the sample shop and answers its questions.
source "$(dirname "$0")/../lib/assert.sh"

LOCH_DEMO_DIR="$WORK/demo" "$REPO_ROOT/scripts/demo" "$LOCH" >"$WORK/out" 2>&1
expect_contains "demo revenue per category" "$(cat "$WORK/out")" "│ category │ orders │ revenue"
expect_contains "demo top customers" "$(cat "$WORK/out")" "lifetime_value"
cd "$WORK/demo"
expect_eq "demo generated every order" \
  "$("$LOCH" sql -c "select count(*) as n, count(distinct order_id) as ids from 'loch-data/landing/orders.parquet'" --format csv)" \
  "n,ids
200000,200000"
finish
