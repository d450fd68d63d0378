#!/usr/bin/env bash
# loch pipeline run --trigger available-now on the streaming-first example
# against the embedded broker: bronze holds each (topic, partition, offset)
# exactly once, silver the on-time first orders, late orders land in
# silver.orders_late, gold equals plain DuckDB SQL over the generator's
# reference file; a second run adds nothing; a poison record goes to the
# _dlq table with its reason and the pipeline goes on; the CDC pipelines run.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
PROJECT="$REPO_ROOT/examples/streaming-first"
DATA="$WORK/data"

start_serve "$DATA"
cd "$WORK"
"$LOCH" generate --bootstrap "$KAFKA" --count 6000 --seed 5 --customers 30 --events-per-second 20 \
  --late-fraction 0.02 --duplicate-fraction 0.03 --reference events.parquet >/dev/null

run() {
  "$LOCH" pipeline run "$@" --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
ref() { sql "select $1 from 'events.parquet' where topic = 'shop.orders'"; }

out=$(run bronze_orders silver_orders gold_revenue_per_minute)
expect_contains "a progress line per batch" "$out" "bronze_orders batch=1 records="
expect_contains "progress shows the watermark" "$out" " watermark=20"
expect_contains "available-now stops" "$out" "gold_revenue_per_minute stopped"

orders=$(ref "count(*)")
expect_eq "bronze: every order record, each offset once" \
  "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.orders")" "$orders $orders"
expect_eq "bronze: partitioned by ingestion date, raw value kept" \
  "$(sql "select count(distinct _ingested_date) || ' ' || count(value) from bronze.orders")" "1 $orders"
first=$(ref "count(*) filter (where not late and not duplicate)")
expect_eq "silver: on-time first orders, each once" \
  "$(sql "select count(*) || ' ' || count(distinct order_id) from silver.orders")" "$first $first"
expect_eq "silver: late orders in silver.orders_late with the reason" \
  "$(sql "select count(*) || ' ' || count(_late_reason) || ' ' || count(_watermark) from silver.orders_late")" \
  "$(ref "count(*) filter (where late)") $(ref "count(*) filter (where late)") $(ref "count(*) filter (where late)")"
check=$("$LOCH" sql --data-dir "$DATA" --format csv -f "$PROJECT/check_gold.sql")
expect_contains "gold equals the reference SQL" "$check" "gold equals reference"

versions() {
  for t in bronze/orders silver/orders gold/revenue_per_minute; do ls "$DATA/lake/$t/_delta_log" | grep -c '\.json$'; done | tr '\n' ' '
}
before=$(versions)
out=$(run bronze_orders silver_orders gold_revenue_per_minute)
expect_eq "a second run reads nothing" "$(printf '%s\n' "$out" | grep -c 'batch=' || true)" "0"
expect_eq "a second run commits nothing" "$(versions)" "$before"

# A record that is not JSON: raw in bronze, in silver's _dlq with the reason.
echo 'not json at all' | "$LOCH" produce shop.orders --bootstrap "$KAFKA" 2>/dev/null
out=$(run bronze_orders silver_orders)
expect_contains "the poison record is counted" "$out" "poison=1"
expect_eq "bronze took it" "$(sql "select count(*) from bronze.orders")" "$((orders + 1))"
expect_eq "silver.orders_dlq holds it with the reason" \
  "$(sql "select count(*) || ' ' || (max(_error) like 'shop.orders/%') from silver.orders_dlq")" "1 true"

# The CDC pipelines (sink modes merge and scd2) run through the same loop.
out=$(run silver_customers silver_customers_history)
expect_contains "silver_customers runs" "$out" "silver_customers stopped"
expect_contains "silver_customers_history runs" "$out" "silver_customers_history stopped"
expect_eq "silver.customers: one row per live customer" \
  "$(sql "select count(*) - count(distinct id) from silver.customers")" "0"
expect_eq "silver.customers_history: one current row per live customer" \
  "$(sql "select count(*) from silver.customers_history where is_current")" "$(sql "select count(*) from silver.customers")"

stop_serve
finish
