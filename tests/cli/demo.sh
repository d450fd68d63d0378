#!/usr/bin/env bash
# `make demo` runs the streaming-first shop end to end on the embedded
# broker: every pipeline runs, bronze has each offset once, and gold equals
# the reference SQL over the generator's file.
source "$(dirname "$0")/../lib/assert.sh"

LOCH_DEMO_DIR="$WORK/demo" LOCH_DEMO_EVENTS=20000 "$REPO_ROOT/scripts/demo" "$LOCH" >"$WORK/out" 2>&1 || {
  cat "$WORK/out"
  fail "scripts/demo failed"
}
out=$(cat "$WORK/out")
expect_eq "every pipeline ran to its end" "$(grep -c ' stopped$' "$WORK/demo/run.log")" "8"
expect_eq "no pipeline failed" "$(grep -c ' failed: ' "$WORK/demo/run.log" || true)" "0"
expect_contains "demo prints gold" "$out" "│ category    │ window_start"
expect_contains "demo prints the late-event report" "$out" "silver.orders_late"
expect_contains "gold equals the reference" "$out" "gold equals reference"
cd "$WORK/demo"
expect_eq "bronze.orders: each offset once, every record of the topic" \
  "$("$LOCH" sql --data-dir loch-data --format csv -c "select (count(*) = count(distinct (_partition, _offset)))::varchar || ' ' || (count(*) = (select count(*) from 'events.parquet' where topic = 'shop.orders'))::varchar from bronze.orders" | tail -1)" \
  "true true"
finish
