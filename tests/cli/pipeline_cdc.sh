#!/usr/bin/env bash
# The CDC pipelines of the streaming-first example (silver_customers: sink mode
# merge, SCD1; silver_customers_history: mode scd2) in many small batches on
# the embedded broker: both tables equal plain DuckDB SQL over the generator's
# reference file, also after a kill -9 mid-run and a restart; a second run
# commits nothing; the same changes read again under another pipeline name
# (other txn appIds, as a replay from offset 0) change no row.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
mkdir -p "$PROJECT/pipelines"
cp -r "$REPO_ROOT/examples/streaming-first/sql" "$PROJECT/"
# Small batches: many commits, deletes and their tombstones often in different batches.
for p in silver_customers silver_customers_history; do
  sed 's/^  topic: shop.customers$/  topic: shop.customers\n  max_batch_records: 23/' \
    "$REPO_ROOT/examples/streaming-first/pipelines/$p.yaml" >"$PROJECT/pipelines/$p.yaml"
done
grep -q 'max_batch_records: 23' "$PROJECT/pipelines/silver_customers.yaml"

start_serve "$DATA"
"$LOCH" generate --bootstrap "$KAFKA" --count 4000 --seed 9 --customers 60 --customer-change-fraction 0.15 \
  --reference "$WORK/events.parquet" >/dev/null

run() {
  "$LOCH" pipeline run "$@" --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }

# Each customer's last change by LSN, unless it deletes; every c/u/r a
# version valid until the customer's next change.
changes="select cast(json_extract_string(key, '\$.id') as bigint) as id, json_extract_string(value, '\$.op') as op,
  json_extract_string(value, '\$.after.email') as email, json_extract_string(value, '\$.after.tier') as tier,
  json_extract_string(value, '\$.after.city') as city, cast(json_extract(value, '\$.source.lsn') as bigint) as lsn,
  cast(json_extract(value, '\$.source.ts_ms') as bigint) as ts
  from '$WORK/events.parquet' where topic = 'shop.customers' and value is not null"
reference_scd1="select coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' order by id), '') from (
  select * from ($changes) qualify lsn = max(lsn) over (partition by id)) where op <> 'd'"
reference_scd2="select coalesce(string_agg(concat_ws('|', id, email, tier, city, ts, coalesce(valid_to::varchar, 'open'),
  is_current), ' ' order by id, ts, lsn), '') from (select *, lead(ts) over w as valid_to, lead(ts) over w is null as is_current
  from ($changes) window w as (partition by id order by lsn)) where op <> 'd'"
table_scd1="select coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' order by id), '') from silver.customers"
table_scd2="select coalesce(string_agg(concat_ws('|', id, email, tier, city, epoch_ms(valid_from),
  coalesce(epoch_ms(valid_to)::varchar, 'open'), is_current), ' ' order by id, valid_from, _lsn), '') from silver.customers_history"


# kill -9 once the first batches are committed, then run again to the end.
"$LOCH" pipeline run silver_customers silver_customers_history --project "$PROJECT" --trigger available-now \
  --bootstrap "$KAFKA" --data-dir "$DATA" >"$WORK/run1.log" 2>&1 &
runner=$!  # loch itself (not a subshell), so that kill -9 stops it
for _ in $(seq 1 400); do
  [ "$(grep -c 'batch=' "$WORK/run1.log" || true)" -ge 4 ] && break
  kill -0 "$runner" 2>/dev/null || break
  sleep 0.05
done
kill -9 "$runner" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
out=$(run silver_customers silver_customers_history)
expect_contains "the restarted run finishes" "$out" "silver_customers_history stopped"

# (The reference is computed only now: the pipelines ran on a lake that had no silver directory yet.)
expected_scd1=$(sql "$reference_scd1")
expected_scd2=$(sql "$reference_scd2")
expect_eq "the reference has deletes" "$(sql "select count(*) > 3 from ($changes) where op = 'd'")" "true"

expect_eq "silver.customers equals the reference SQL (SCD1)" "$(sql "$table_scd1")" "$expected_scd1"
expect_eq "silver.customers_history equals the reference SQL (SCD2)" "$(sql "$table_scd2")" "$expected_scd2"
expect_eq "the history's current rows are silver.customers" \
  "$(sql "select coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' order by id), '') from silver.customers_history where is_current")" \
  "$expected_scd1"
expect_eq "small batches: many commits" \
  "$(ls "$DATA/lake/silver/customers/_delta_log" | grep -c '\.json$' | awk '{print ($1 > 10)}')" "1"

versions() {
  for t in customers customers_history; do ls "$DATA/lake/silver/$t/_delta_log" | grep -c '\.json$'; done | tr '\n' ' '
}
before=$(versions)
out=$(run silver_customers silver_customers_history)
expect_eq "a second run reads nothing" "$(printf '%s\n' "$out" | grep -c 'batch=' || true)" "0"
expect_eq "a second run commits nothing" "$(versions)" "$before"

# The same changes from offset 0 under other appIds: the _lsn guard holds.
for p in silver_customers silver_customers_history; do
  cp "$PROJECT/pipelines/$p.yaml" "$PROJECT/pipelines/${p}_again.yaml"
done
out=$(run silver_customers_again silver_customers_history_again)
expect_contains "the replay read the topic again" "$out" "silver_customers_again batch="
expect_eq "replayed changes leave silver.customers as it was" "$(sql "$table_scd1")" "$expected_scd1"
expect_eq "replayed changes add no history" "$(sql "$table_scd2")" "$expected_scd2"

stop_serve
finish
