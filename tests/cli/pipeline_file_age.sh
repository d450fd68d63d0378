#!/usr/bin/env bash
# Bronze files closed by size and time (sink.max_file_age): the micro-batches
# of an append sink without event time go into one open file, committed with
# the last batch's offsets when it is max_file_age old, about
# target_file_size, when an available-now run has read everything, or when
# the run is stopped. A kill -9 with a file open commits nothing of it, and
# the restart reads those records again: each offset lands exactly once.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
EXAMPLE="$REPO_ROOT/examples/streaming-first"
DATA="$WORK/data"
PROJECT="$WORK/project"

start_serve "$DATA"
cd "$WORK"
mkdir -p "$PROJECT/pipelines"
# bronze_orders in batches of 100 records, its file open for AGE.
bronze_with_age() {
  sed -e 's/^  topic: shop.orders$/  topic: shop.orders\n  max_batch_records: 100/' \
    -e "s/^  partition_by: \\[_ingested_date\\]\$/  partition_by: [_ingested_date]\\n  max_file_age: $1/" \
    "$EXAMPLE/pipelines/bronze_orders.yaml" >"$PROJECT/pipelines/bronze_orders.yaml"
  grep -q "max_file_age: $1" "$PROJECT/pipelines/bronze_orders.yaml" || fail "bronze definition not rewritten"
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
commits() { cat "$DATA/lake/bronze/orders/_delta_log/"*.json 2>/dev/null | grep -c '"operation":"STREAMING UPDATE"' || true; }
exactly_once() {
  sql "select count(*) = count(distinct (_partition, _offset)) and count(*) =
         (select sum(m) from (select max(_offset) + 1 as m from bronze.orders group by _partition)) from bronze.orders"
}

"$LOCH" generate --bootstrap "$KAFKA" --count 4000 --seed 21 --customers 20 >/dev/null

# 1. available-now: every batch into one open file, committed once at the end.
bronze_with_age 1h
out=$("$LOCH" pipeline run bronze_orders --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA")
read_records=$(printf '%s\n' "$out" | awk '/^bronze_orders batch=/ {for (i = 1; i <= NF; i++) if ($i ~ /^records=/) { sub("records=", "", $i); n += $i }} END {print n + 0}')
last_batch=$(printf '%s\n' "$out" | grep -o '^bronze_orders batch=[0-9]*' | tail -1 | cut -d= -f2)
[ "${last_batch:-0}" -ge 5 ] || fail "expected many batches of 100 records, the last is batch ${last_batch:-none}"
expect_eq "available-now: one commit for all its batches" "$(commits)" "1"
expect_eq "available-now: one data file" "$(sql "select num_files from (describe detail bronze.orders)")" "1"
expect_eq "available-now: the commit's report counts every record read" \
  "$(sql "select count(*) from bronze.orders")" "$read_records"
expect_eq "available-now: each offset once, none missing" "$(exactly_once)" "true"
first_count=$(sql "select count(*) from bronze.orders")

# 2. continuous: the open file commits once it is 2 s old, while the run goes on.
bronze_with_age 2s
"$LOCH" generate --bootstrap "$KAFKA" --count 3000 --seed 22 --customers 20 --start-time 2026-01-01T02:00:00Z >/dev/null
(exec "$LOCH" pipeline run bronze_orders --project "$PROJECT" --trigger continuous --bootstrap "$KAFKA" \
  --data-dir "$DATA" >"$WORK/continuous.log" 2>&1) &
pid=$!
grown=""
for _ in $(seq 1 300); do
  n=$(sql "select count(*) from bronze.orders")
  if [ "$n" -gt "$first_count" ]; then grown=$n; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$grown" ] || { cat "$WORK/continuous.log" >&2; fail "continuous: the open file never committed while running"; }
kill -0 "$pid" 2>/dev/null || fail "continuous: the run ended by itself"
# The commit's line is printed once the run collects it, a batch later at most.
for _ in $(seq 1 100); do grep -q '^bronze_orders batch=' "$WORK/continuous.log" && break; sleep 0.1; done
batches=$(grep -o '^bronze_orders batch=[0-9]*' "$WORK/continuous.log" | tail -1 | cut -d= -f2)
reports=$(grep -c '^bronze_orders batch=' "$WORK/continuous.log" || true)
[ "${batches:-0}" -gt "$reports" ] || fail "continuous: expected fewer commits ($reports) than batches (${batches:-0})"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
expect_eq "continuous: stopped cleanly by SIGTERM" "$status" "0"

# 3. A stop (SIGTERM) with a file open (an hour old at most) commits it.
bronze_with_age 1h
"$LOCH" generate --bootstrap "$KAFKA" --count 1500 --seed 23 --customers 20 --start-time 2026-01-01T04:00:00Z >/dev/null
before_commits=$(commits)
before=$(sql "select count(*) from bronze.orders")
(exec "$LOCH" pipeline run bronze_orders --project "$PROJECT" --trigger continuous --bootstrap "$KAFKA" \
  --data-dir "$DATA" >"$WORK/stopped.log" 2>&1) &
pid=$!
sleep 3
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
expect_eq "stop: exits cleanly" "$status" "0"
expect_contains "stop: says it stopped" "$(cat "$WORK/stopped.log")" "bronze_orders stopped"
expect_eq "stop: the open file committed, once" "$(commits)" "$((before_commits + 1))"
[ "$(sql "select count(*) from bronze.orders")" -gt "$before" ] || fail "stop: the open file's records are missing"
expect_eq "after the stop: each offset once, none missing" "$(exactly_once)" "true"
all=$(sql "select count(*) from bronze.orders")

# 4. kill -9 with a file open (an hour old at most): nothing of it commits,
# the restart reads it again, each offset once.
bronze_with_age 1h
"$LOCH" generate --bootstrap "$KAFKA" --count 1500 --seed 24 --customers 20 --start-time 2026-01-01T06:00:00Z >/dev/null
before_commits=$(commits)
(exec "$LOCH" pipeline run bronze_orders --project "$PROJECT" --trigger continuous --bootstrap "$KAFKA" \
  --data-dir "$DATA" >"$WORK/killed.log" 2>&1) &
pid=$!
sleep 3
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
expect_eq "kill -9 with the file open: no commit" "$(commits)" "$before_commits"
expect_eq "kill -9 with the file open: the table unchanged" "$(sql "select count(*) from bronze.orders")" "$all"
"$LOCH" pipeline run bronze_orders --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA" >/dev/null
expect_eq "after the restart: each offset once, none missing" "$(exactly_once)" "true"
[ "$(sql "select count(*) from bronze.orders")" -gt "$all" ] || fail "after the restart: the new records are missing"

# 5. Definitions that cannot keep a file open are refused, naming the key.
sed -e "s/^  merge_keys:/  max_file_age: 1m\n  merge_keys:/" "$EXAMPLE/pipelines/silver_customers.yaml" \
  >"$PROJECT/pipelines/silver_customers.yaml"
out=$("$LOCH" pipeline list --project "$PROJECT" 2>&1 || true)
expect_contains "merge sink refuses max_file_age" "$out" "sink.max_file_age: only for mode append"
rm "$PROJECT/pipelines/silver_customers.yaml"
sed -e "s/^  partition_by: \\[order_date\\]\$/  partition_by: [order_date]\n  max_file_age: 1m/" \
  "$EXAMPLE/pipelines/silver_orders.yaml" >"$PROJECT/pipelines/silver_orders.yaml"
out=$("$LOCH" pipeline list --project "$PROJECT" 2>&1 || true)
expect_contains "event-time pipeline refuses max_file_age" "$out" "sink.max_file_age: only for pipelines without event time"

stop_serve
finish
