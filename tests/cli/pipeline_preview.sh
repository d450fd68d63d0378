#!/usr/bin/env bash
# loch generate into the embedded broker, read back through the example's
# pipelines (Kafka source in assign mode, record format, event-time engine)
# with `loch pipeline preview`: every order and click is accounted for, and
# the late and duplicate counts equal those of the generator's reference
# file, computed with plain DuckDB SQL.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
PROJECT="$REPO_ROOT/examples/streaming-first"

listed=$("$LOCH" pipeline list --project "$PROJECT")
expect_contains "list names the gold pipeline" "$listed" "gold_revenue_per_minute	shop.orders -> gold.revenue_per_minute	jsonl	every 10000 ms"
expect_eq "list has the 8 pipelines" "$(printf '%s\n' "$listed" | wc -l)" "8"

mkdir -p "$WORK/bad/pipelines"
printf 'source: {topic: a}\nsink: {table: gold.a}\noptions:\n  window: {type: tumbling, size: 1m}\n' > "$WORK/bad/pipelines/a.yaml"
set +e
bad=$("$LOCH" pipeline list --project "$WORK/bad" 2>&1)
bad_exit=$?
set -e
expect_eq "an invalid definition fails" "$bad_exit" "1"
expect_contains "the error names file and key" "$bad" "bad/pipelines/a.yaml:4: options.event_time: windows and dedup need the event time column"

start_serve "$WORK/data"
generated=$("$LOCH" generate --bootstrap "$KAFKA" --count 4000 --seed 11 --customers 20 \
  --late-fraction 0.03 --duplicate-fraction 0.03 --reference "$WORK/events.jsonl")
expect_contains "generate reports what it produced" "$generated" "produced="

# What the reference says about the orders: on time and new, late, duplicate.
reference() {
  "$LOCH" sql --data-dir "$WORK/sql" --format csv -c "select count(*) filter (where not late and not duplicate) || ' ' ||
    count(*) filter (where late) || ' ' || count(*) filter (where duplicate) as counts
    from read_json('$WORK/events.jsonl', format='newline_delimited') where topic = '$1'" | tail -1
}
read -r orders_ok orders_late orders_dup <<<"$(reference shop.orders)"
read -r clicks_ok clicks_late clicks_dup <<<"$(reference shop.clicks)"
orders_total=$((orders_ok + orders_late + orders_dup))

preview=$("$LOCH" pipeline preview silver_orders --project "$PROJECT" --bootstrap "$KAFKA" --show-late 1)
expect_contains "silver_orders: late and duplicate orders as the reference says" "$preview" \
  "pipeline silver_orders: records=$orders_total decoded=$orders_total poison=0 accepted=$orders_ok late=$orders_late duplicates=$orders_dup"
expect_contains "a late event comes with its reason" "$preview" "before the watermark"

preview=$("$LOCH" pipeline preview gold_funnel --project "$PROJECT" --bootstrap "$KAFKA")
expect_contains "gold_funnel: late and duplicate clicks as the reference says" "$preview" \
  "accepted=$clicks_ok late=$clicks_late duplicates=$clicks_dup"

# Bronze keeps everything: customer changes, tombstones included.
customers=$("$LOCH" sql --data-dir "$WORK/sql" --format csv -c "select count(*) from read_json('$WORK/events.jsonl', format='newline_delimited') where topic = 'shop.customers'" | tail -1)
preview=$("$LOCH" pipeline preview bronze_customers --project "$PROJECT" --bootstrap "$KAFKA")
expect_contains "bronze_customers: every change and tombstone" "$preview" "records=$customers decoded=$customers poison=0"

# A poison record in the orders topic is counted, not fatal.
echo 'not json at all' | "$LOCH" produce shop.orders --bootstrap "$KAFKA" 2>/dev/null
preview=$("$LOCH" pipeline preview silver_orders --project "$PROJECT" --bootstrap "$KAFKA")
expect_contains "a poison record is counted" "$preview" "poison=1"
expect_contains "and its reason given" "$preview" "first poison record: shop.orders/"

stop_serve
finish
