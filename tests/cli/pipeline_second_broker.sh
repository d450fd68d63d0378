#!/usr/bin/env bash
# The streaming-first pipelines, unchanged, against a second Kafka-protocol
# broker: librdkafka's mock cluster (3 brokers on localhost, in
# tests/clients/mock_cluster.c) instead of loch's embedded broker. loch
# generate writes the shop's topics there; every example pipeline runs with
# --bootstrap pointing at it: bronze holds each (topic, partition, offset)
# exactly once, silver the on-time first orders, gold equals plain DuckDB
# SQL over the generator's reference file, the CDC tables one row (one
# current row) per live customer, and a second run reads nothing.
source "$(dirname "$0")/../lib/assert.sh"
PROJECT="$REPO_ROOT/examples/streaming-first"
DATA="$WORK/data"

"$CLIENTS/mock_cluster" 3 shop.clicks:3 shop.orders:3 shop.customers:3 >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
KAFKA=""
for _ in $(seq 1 200); do
  # The background job may not have created mock.out yet.
  KAFKA=$(sed -n 's/^bootstrap //p' "$WORK/mock.out" 2>/dev/null || true)
  [ -n "$KAFKA" ] && break
  kill -0 "$MOCK_PID" 2>/dev/null || break
  sleep 0.05
done
[ -n "$KAFKA" ] || { cat "$WORK/mock.err" >&2; echo "the mock cluster did not start" >&2; exit 1; }
expect_eq "three mock brokers" "$(echo "$KAFKA" | tr ',' '\n' | grep -c '^127.0.0.1:')" "3"

cd "$WORK"
"$LOCH" generate --bootstrap "$KAFKA" --count 6000 --seed 5 --customers 30 --events-per-second 20 \
  --late-fraction 0.02 --duplicate-fraction 0.03 --reference events.parquet >/dev/null

run() {
  "$LOCH" pipeline run --all --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA" 2>&1
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
ref() { sql "select $1 from 'events.parquet' where topic = '$2'"; }

out=$(run) || fail "pipeline run --all against the mock cluster failed: $out"
pipelines=$("$LOCH" pipeline list --project "$PROJECT" | wc -l)
expect_eq "every example pipeline stops" "$(printf '%s\n' "$out" | grep -c ' stopped$')" "$pipelines"

for t in orders clicks customers; do
  n=$(ref "count(*)" "shop.$t")
  expect_eq "bronze.$t: every record, each offset once" \
    "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.$t")" "$n $n"
done
first=$(ref "count(*) filter (where not late and not duplicate)" shop.orders)
expect_eq "silver.orders: on-time first orders, each once" \
  "$(sql "select count(*) || ' ' || count(distinct order_id) from silver.orders")" "$first $first"
late=$(ref "count(*) filter (where late)" shop.orders)
expect_eq "silver.orders_late: the late orders" "$(sql "select count(*) from silver.orders_late")" "$late"
check=$("$LOCH" sql --data-dir "$DATA" --format csv -f "$PROJECT/check_gold.sql")
expect_contains "gold equals the reference SQL" "$check" "gold equals reference"
expect_eq "gold.funnel_per_minute has closed minutes" "$(sql "select count(*) > 0 from gold.funnel_per_minute")" "true"
expect_eq "silver.customers: one row per live customer" \
  "$(sql "select count(*) > 0 and count(*) = count(distinct id) from silver.customers")" "true"
expect_eq "silver.customers_history: one current row per live customer" \
  "$(sql "select count(*) from silver.customers_history where is_current")" "$(sql "select count(*) from silver.customers")"

out=$(run) || fail "the second run failed: $out"
expect_eq "a second run reads nothing" "$(printf '%s\n' "$out" | grep -c 'batch=' || true)" "0"

finish
