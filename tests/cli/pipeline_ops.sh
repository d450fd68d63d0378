#!/usr/bin/env bash
# Pipelines hosted by `loch serve --project` (doc/pipelines.md, "Operations"):
# they start with serve and catch up; `loch pipeline status` and
# GET /api/pipelines show them running with the Delta version advancing as
# events arrive; /metrics has the per-pipeline series; stop -> stopped,
# start -> running again; a replay of a running pipeline is refused (its
# lock), of a stopped one commits the new start so the next run reads the
# topic again; backfill prints its progress and ends.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
mkdir -p "$PROJECT/pipelines"
# Two pipelines of the example (raw bronze, event-time silver), batches every second.
for p in bronze_orders silver_orders; do
  sed 's/^trigger: .*/trigger: 1s/' "$REPO_ROOT/examples/streaming-first/pipelines/$p.yaml" >"$PROJECT/pipelines/$p.yaml"
done
cp -r "$REPO_ROOT/examples/streaming-first/sql" "$PROJECT/" 2>/dev/null || true

# The topics exist before the pipelines start (a missing topic is retried, but slowly).
start_serve "$DATA"
"$LOCH" generate --bootstrap "$KAFKA" --count 3000 --seed 7 --customers 20 --events-per-second 20 \
  --reference events.parquet >/dev/null
stop_serve
start_serve "$DATA" --project "$PROJECT"
expect_contains "serve logs the HTTP API" "$(cat "$SERVE_LOG")" "http: listening on 127.0.0.1:"

sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
api() { curl -sf "$HTTP/api/pipelines/$1"; }
ops() { "$LOCH" pipeline "$@" --http "$HTTP"; }
# wait_for DESCRIPTION COMMAND...: until the command succeeds (at most 60 s).
wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  fail "timed out waiting for: $what"
  return 1
}
orders=$(sql "select count(*) from 'events.parquet' where topic = 'shop.orders'")
caught_up() { [ "$(api "$1" | jq -r '"\(.state) \(.lag) \(.records)"')" = "running 0 $2" ]; }

wait_for "bronze_orders caught up" caught_up bronze_orders "$orders"
status=$(ops status)
expect_contains "status has a header" "$status" "PIPELINE"
expect_contains "status shows bronze_orders running" "$(printf '%s\n' "$status" | grep '^bronze_orders ')" " running "
expect_contains "status shows silver_orders" "$status" "silver_orders"
expect_eq "bronze.orders holds every order" "$(sql "select count(*) from bronze.orders")" "$orders"
version=$(api bronze_orders | jq .version)
expect_eq "the status names the table's version" "$version" \
  "$(ls "$DATA/lake/bronze/orders/_delta_log" | grep -c '\.json$' | awk '{print $1 - 1}')"

# More events: the version advances.
"$LOCH" generate --bootstrap "$KAFKA" --count 600 --seed 8 --customers 20 --events-per-second 20 \
  --reference more.parquet >/dev/null
version_past() { [ "$(api bronze_orders | jq .version)" -gt "$version" ]; }
wait_for "the version advances" version_past
orders=$((orders + $(sql "select count(*) from 'more.parquet' where topic = 'shop.orders'")))
wait_for "bronze_orders caught up again" caught_up bronze_orders "$orders"

metrics=$(curl -sf "$HTTP/metrics")
expect_contains "metrics: state" "$metrics" 'loch_pipeline_state{pipeline="bronze_orders",state="running"} 1'
expect_contains "metrics: records" "$metrics" "loch_pipeline_records_total{pipeline=\"bronze_orders\"} $orders"
expect_contains "metrics: lag per partition" "$metrics" \
  'loch_pipeline_lag_records{pipeline="bronze_orders",topic="shop.orders",partition="0"} 0'
expect_contains "metrics: version" "$metrics" 'loch_pipeline_committed_version{pipeline="bronze_orders"}'
expect_contains "metrics: batch duration" "$metrics" 'loch_pipeline_last_batch_duration_seconds{pipeline="bronze_orders"}'
expect_contains "metrics: input rate" "$metrics" 'loch_pipeline_input_records_per_second{pipeline="bronze_orders"}'
expect_contains "metrics: watermark of the event-time pipeline" "$metrics" \
  'loch_pipeline_watermark_seconds{pipeline="silver_orders"}'
expect_contains "metrics: late" "$metrics" 'loch_pipeline_late_records_total{pipeline="silver_orders"}'
expect_contains "metrics: dlq" "$metrics" 'loch_pipeline_dlq_records_total{pipeline="silver_orders"}'
expect_contains "metrics: lag of the event-time pipeline" "$metrics" \
  'loch_pipeline_lag_records{pipeline="silver_orders",topic="shop.orders",partition="2"}'
expect_contains "metrics: batch duration of the event-time pipeline" "$metrics" \
  'loch_pipeline_last_batch_duration_seconds{pipeline="silver_orders"}'

# A running pipeline refuses a replay: its lock is held by serve.
set +e
out=$("$LOCH" pipeline replay bronze_orders --from-offset 0 --project "$PROJECT" --bootstrap "$KAFKA" --data-dir "$DATA" 2>&1)
code=$?
set -e
expect_eq "replay of a running pipeline fails" "$code" "1"
expect_contains "and says why" "$out" "pipeline bronze_orders is already running on $DATA"
expect_contains "and what to do" "$out" "stop it first (loch pipeline stop bronze_orders)"

expect_eq "stop" "$(ops stop bronze_orders)" "bronze_orders stopped"
expect_contains "status shows it stopped" "$(ops status bronze_orders)" " stopped "
set +e
out=$(ops stop no_such 2>&1)
code=$?
set -e
expect_eq "an unknown pipeline fails" "$code" "1"
expect_contains "naming it" "$out" "no pipeline 'no_such'"

# Replay from offset 0, then a standalone run reads everything again (an append sink: twice).
out=$("$LOCH" pipeline replay bronze_orders --from-offset 0 --project "$PROJECT" --bootstrap "$KAFKA" --data-dir "$DATA")
expect_contains "replay says where it resumes" "$out" "bronze_orders will resume at shop.orders/0:0,shop.orders/1:0,shop.orders/2:0"
"$LOCH" pipeline run bronze_orders --trigger available-now --project "$PROJECT" --bootstrap "$KAFKA" --data-dir "$DATA" >/dev/null
expect_eq "the replayed run read every order again" "$(sql "select count(*) from bronze.orders")" "$((2 * orders))"
expect_eq "each offset twice" \
  "$(sql "select count(distinct (_topic, _partition, _offset)) from bronze.orders")" "$orders"

# Backfill over the whole topic (from a time before every record), with progress lines.
out=$("$LOCH" pipeline backfill bronze_orders --from-time 2000-01-01 --project "$PROJECT" --bootstrap "$KAFKA" \
  --data-dir "$DATA")
expect_contains "backfill names its range" "$out" "backfill bronze_orders: $orders records from"
expect_contains "backfill prints progress" "$out" "/$orders records ("
expect_contains "backfill ends at 100%" "$out" "backfill bronze_orders: $orders/$orders records (100.0%)"
expect_eq "the backfill read every order once more" "$(sql "select count(*) from bronze.orders")" "$((3 * orders))"

# A range that ends before the first record: nothing to do.
out=$("$LOCH" pipeline backfill bronze_orders --from-time 2000-01-01 --to-time 2000-01-02 --project "$PROJECT" \
  --bootstrap "$KAFKA" --data-dir "$DATA")
expect_contains "an empty range is done at once" "$out" "backfill bronze_orders: 0/0 records (100.0%), 0 records/s, done"
expect_eq "and reads nothing" "$(sql "select count(*) from bronze.orders")" "$((3 * orders))"
expect_contains "the pipeline goes back where it was" "$out" "bronze_orders resumes at "

# Started again through serve: it resumes where the backfill ended (nothing new).
expect_contains "start" "$(ops start bronze_orders)" "bronze_orders running"
sleep 2
expect_eq "resumed at the end: nothing read twice" "$(sql "select count(*) from bronze.orders")" "$((3 * orders))"
expect_contains "status shows it running" "$(ops status bronze_orders)" " running "

# Replay through serve: refused while it runs (409), done once stopped; start reads again.
set +e
out=$("$LOCH" pipeline replay bronze_orders --from-offset 0 --http "$HTTP" --project "$PROJECT" 2>&1)
code=$?
set -e
expect_eq "replay through serve of a running pipeline fails" "$code" "1"
expect_contains "and says why" "$out" "pipeline bronze_orders is running: stop it first"
ops stop bronze_orders >/dev/null
out=$("$LOCH" pipeline replay bronze_orders --from-time 2000-01-01 --http "$HTTP" --project "$PROJECT")
expect_contains "replay through serve" "$out" "bronze_orders will resume at shop.orders/0:0,shop.orders/1:0,shop.orders/2:0"
ops start bronze_orders >/dev/null
four_times() { [ "$(sql "select count(*) from bronze.orders")" = "$((4 * orders))" ]; }
wait_for "the restarted pipeline read every order again" four_times

# A backfill up to a time inside the topics reads each partition up to its
# first record at or after that time (Kafka's offsets for a time), none after.
ops stop bronze_orders >/dev/null
mid=$(sql "select epoch_ms(quantile_disc(_timestamp, 0.5)) from bronze.orders")
ends="select _partition as p, min(_offset) as e from bronze.orders where epoch_ms(_timestamp) >= $mid group by _partition"
in_range="(select count(*) from bronze.orders b join ($ends) x on b._partition = x.p where b._offset < x.e)"
past_range="(select count(*) from bronze.orders b join ($ends) x on b._partition = x.p where b._offset >= x.e)"
early=$(sql "select sum(e) from ($ends)")
before_in=$(sql "select $in_range")
before_past=$(sql "select $past_range")
[ "$early" -gt 0 ] && [ "$before_past" -gt 0 ] || fail "the middle time $mid does not split the orders"
out=$("$LOCH" pipeline backfill bronze_orders --from-time 2000-01-01 --to-time "$mid" --project "$PROJECT" \
  --bootstrap "$KAFKA" --data-dir "$DATA")
expect_contains "backfill to a time: its range" "$out" "backfill bronze_orders: $early/$early records (100.0%)"
expect_eq "backfill to a time: every record of the range once more" "$(sql "select $in_range")" \
  "$((before_in + early))"
expect_eq "backfill to a time: no record past the range" "$(sql "select $past_range")" "$before_past"
expect_contains "backfill to a time: then back where it was" "$out" "bronze_orders resumes at "

# Backfill through serve: the range runs in serve's thread, the CLI prints its
# progress from the pipeline's status until it ends, and the pipeline is
# stopped again, back where it was. Refused while the pipeline runs.
before=$(sql "select count(*) from bronze.orders")
out=$("$LOCH" pipeline backfill bronze_orders --from-time 2000-01-01 --http "$HTTP")
expect_contains "backfill through serve: started there" "$out" "backfill bronze_orders: $orders records in loch serve"
expect_contains "backfill through serve: progress to the end" "$out" \
  "backfill bronze_orders: $orders/$orders records (100.0%)"
expect_eq "backfill through serve: every order once more" "$(sql "select count(*) from bronze.orders")" \
  "$((before + orders))"
status=$(api bronze_orders)
expect_contains "backfill through serve: stopped again" "$status" '"state":"stopped"'
expect_contains "backfill through serve: finished" "$status" '"finished":true'
ops start bronze_orders >/dev/null
set +e
out=$("$LOCH" pipeline backfill bronze_orders --from-time 2000-01-01 --http "$HTTP" 2>&1)
code=$?
set -e
expect_eq "backfill through serve of a running pipeline fails" "$code" "1"
expect_contains "and says why" "$out" "bronze_orders is running: stop it first"
sleep 1
expect_eq "the running pipeline read nothing twice" "$(sql "select count(*) from bronze.orders")" \
  "$((before + orders))"
ops stop bronze_orders >/dev/null

stop_serve
expect_eq "serve stops its pipelines and exits cleanly" "$SERVE_EXIT" "0"

# With --http-token every request needs `Authorization: Bearer TOKEN`, /metrics included;
# `loch pipeline` sends it from --http-token or LOCH_HTTP_TOKEN.
start_serve "$DATA" --project "$PROJECT" --http-token s3cret
expect_contains "serve logs that the API needs a token" "$(cat "$SERVE_LOG")" "bearer token"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect_eq "no token: 401" "$(code "$HTTP/api/pipelines")" "401"
expect_eq "a wrong token: 401" "$(code -H 'Authorization: Bearer nope' "$HTTP/api/pipelines")" "401"
expect_eq "/metrics needs it too" "$(code "$HTTP/metrics")" "401"
expect_contains "the 401 challenges for a bearer token" "$(curl -s -D - -o /dev/null "$HTTP/metrics")" \
  'WWW-Authenticate: Bearer realm="loch"'
expect_eq "the token: 200" "$(code -H 'Authorization: Bearer s3cret' "$HTTP/api/pipelines")" "200"
set +e
out=$("$LOCH" pipeline status --http "$HTTP" 2>&1)
status=$?
set -e
expect_eq "loch pipeline status without the token fails" "$status" "1"
expect_contains "and says how to give it" "$out" "LOCH_HTTP_TOKEN"
expect_contains "--http-token" "$("$LOCH" pipeline status --http "$HTTP" --http-token s3cret)" "bronze_orders"
expect_contains "LOCH_HTTP_TOKEN" "$(LOCH_HTTP_TOKEN=s3cret "$LOCH" pipeline stop bronze_orders --http "$HTTP")" \
  "bronze_orders stopped"
stop_serve
expect_eq "serve with a token exits cleanly" "$SERVE_EXIT" "0"
finish
