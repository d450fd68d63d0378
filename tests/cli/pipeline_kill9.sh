#!/usr/bin/env bash
# kill -9 `loch pipeline run` at random moments, restart it each time: in
# the end bronze holds each (topic, partition, offset) exactly once, silver
# each on-time order once, the late table each late order once, and gold
# equals plain DuckDB SQL over the generator's reference file. Small
# batches (150 records) so that the kills land between and inside commits.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
KILLS=${KILLS:-8}

mkdir -p "$PROJECT/pipelines"
cp -r "$REPO_ROOT/examples/streaming-first/sql" "$REPO_ROOT/examples/streaming-first/check_gold.sql" "$PROJECT/"
for p in bronze_orders silver_orders gold_revenue_per_minute; do
  sed -e '/^source:/a\  max_batch_records: 150' "$REPO_ROOT/examples/streaming-first/pipelines/$p.yaml" \
    >"$PROJECT/pipelines/$p.yaml"
done

start_serve "$DATA"
cd "$WORK"
"$LOCH" generate --bootstrap "$KAFKA" --count 100000 --seed 9 --customers 30 --events-per-second 40 \
  --late-fraction 0.02 --duplicate-fraction 0.03 --reference events.parquet >/dev/null

run() {
  "$LOCH" pipeline run --all --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"
}

# Kill runs until KILLS of them died mid-way (a run that finishes on its
# own before its kill ends the loop early: everything is read by then).
killed=0
attempts=0
while [ "$killed" -lt "$KILLS" ] && [ "$attempts" -lt $((KILLS * 3)) ]; do
  attempts=$((attempts + 1))
  # exec: $! must be loch itself, not a shell that kill -9 would leave it behind.
  (exec "$LOCH" pipeline run --all --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" \
    --data-dir "$DATA" >"$WORK/run-$attempts.log" 2>&1) &
  pid=$!
  sleep "0.$((RANDOM % 25 + 5))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  grep -q ' stopped$' "$WORK/run-$attempts.log" && [ "$(grep -c ' stopped$' "$WORK/run-$attempts.log")" = 3 ] && break
done
echo "killed $killed runs"
run >"$WORK/final.log" 2>&1 || { cat "$WORK/final.log"; fail "the run after the kills failed"; }
expect_eq "the final run completes all three" "$(grep -c ' stopped$' "$WORK/final.log")" "3"

sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
ref() { sql "select $1 from 'events.parquet' where topic = 'shop.orders'"; }
orders=$(ref "count(*)")
first=$(ref "count(*) filter (where not late and not duplicate)")
late=$(ref "count(*) filter (where late)")
expect_eq "bronze: each offset exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.orders")" "$orders $orders"
expect_eq "silver: each on-time order exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct order_id) from silver.orders")" "$first $first"
expect_eq "late orders exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct (_partition, _offset)) from silver.orders_late")" "$late $late"
check=$("$LOCH" sql --data-dir "$DATA" --format csv -f "$PROJECT/check_gold.sql")
[ "$killed" -ge 3 ] || fail "only $killed runs were killed mid-way"
expect_contains "gold equals the reference SQL after $killed kills" "$check" "gold equals reference"

stop_serve
finish
