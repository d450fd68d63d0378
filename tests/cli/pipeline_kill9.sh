#!/usr/bin/env bash
# kill -9 `loch pipeline run` at random moments, restart it each time: in
# the end bronze (orders, clicks, customers: every generated event) holds
# each (topic, partition, offset) exactly once, silver
# each on-time order once, the late table each late order once, and gold
# equals plain DuckDB SQL over the generator's reference file.
#
# Parameters (environment): EVENTS (default 100000), KILLS (default 8),
# BATCH_RECORDS (default 150: small batches, so that the kills land between
# and inside commits), KILL_AFTER_MS "MIN MAX" (default "50 300": each run is
# killed after a random time in that range). `make soak` runs it with
# 1,000,000 events and at least 10 kills.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
EVENTS=${EVENTS:-100000}
KILLS=${KILLS:-8}
MIN_KILLS=${MIN_KILLS:-3}  # fewer runs killed mid-way fail the test
BATCH_RECORDS=${BATCH_RECORDS:-150}
read -r KILL_MIN_MS KILL_MAX_MS <<<"${KILL_AFTER_MS:-50 300}"
started=$SECONDS

mkdir -p "$PROJECT/pipelines"
cp -r "$REPO_ROOT/examples/streaming-first/sql" "$REPO_ROOT/examples/streaming-first/check_gold.sql" "$PROJECT/"
for p in bronze_orders silver_orders gold_revenue_per_minute; do
  sed -e "/^source:/a\\  max_batch_records: $BATCH_RECORDS" "$REPO_ROOT/examples/streaming-first/pipelines/$p.yaml" \
    >"$PROJECT/pipelines/$p.yaml"
done
# Bronze of the other two topics with their own batch size, so that bronze covers every event.
cp "$REPO_ROOT/examples/streaming-first/pipelines/bronze_clicks.yaml" \
  "$REPO_ROOT/examples/streaming-first/pipelines/bronze_customers.yaml" "$PROJECT/pipelines/"
PIPELINES=5

start_serve "$DATA"
cd "$WORK"
"$LOCH" generate --bootstrap "$KAFKA" --count "$EVENTS" --seed 9 --customers 30 --events-per-second 40 \
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
  after_ms=$((KILL_MIN_MS + (RANDOM * 32768 + RANDOM) % (KILL_MAX_MS - KILL_MIN_MS + 1)))
  sleep "$((after_ms / 1000)).$(printf '%03d' $((after_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  status=0
  wait "$pid" 2>/dev/null || status=$?
  # 137: it died of the SIGKILL (kill succeeds on a run that already ended, too).
  if [ "$status" = 137 ]; then killed=$((killed + 1)); fi
  [ "$(grep -c ' stopped$' "$WORK/run-$attempts.log")" = "$PIPELINES" ] && break
done
echo "killed $killed runs (last one after ${after_ms} ms)"
run >"$WORK/final.log" 2>&1 || { cat "$WORK/final.log"; fail "the run after the kills failed"; }
expect_eq "the final run completes every pipeline" "$(grep -c ' stopped$' "$WORK/final.log")" "$PIPELINES"

sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
ref() { sql "select $1 from 'events.parquet' where topic = 'shop.orders'"; }
orders=$(ref "count(*)")
for t in clicks customers; do
  n=$(sql "select count(*) from 'events.parquet' where topic = 'shop.$t'")
  expect_eq "bronze.$t: each offset exactly once" \
    "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.$t")" "$n $n"
done
first=$(ref "count(*) filter (where not late and not duplicate)")
late=$(ref "count(*) filter (where late)")
expect_eq "bronze: each offset exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.orders")" "$orders $orders"
expect_eq "silver: each on-time order exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct order_id) from silver.orders")" "$first $first"
expect_eq "late orders exactly once" \
  "$(sql "select count(*) || ' ' || count(distinct (_partition, _offset)) from silver.orders_late")" "$late $late"
check=$("$LOCH" sql --data-dir "$DATA" --format csv -f "$PROJECT/check_gold.sql")
[ "$killed" -ge "$MIN_KILLS" ] || fail "only $killed runs were killed mid-way"
expect_contains "gold equals the reference SQL after $killed kills" "$check" "gold equals reference"

echo "events=$EVENTS orders=$orders kills=$killed batch_records=$BATCH_RECORDS seconds=$((SECONDS - started))"
stop_serve
finish
