#!/usr/bin/env bash
# Issue #9: records the transform SQL fails on (here a CAST of "many") go to
# the _dlq table with the SQL error, the rest of each batch to the table,
# each offset exactly once, and the pipeline keeps running; a rerun adds
# nothing. A transform that fails on no records at all (a missing column)
# fails the run with the error instead.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
mkdir -p "$PROJECT/pipelines"

pipeline() {  # name, transform sql
  cat >"$PROJECT/pipelines/$1.yaml" <<YAML
source:
  topic: poison.items
  max_batch_records: 16
format: jsonl
sink:
  table: silver.$1
transform:
  sql: $2
YAML
}
pipeline items "select *, cast(json_extract_string(value, '\$.qty') as integer) as qty from batch"
pipeline broken "select no_such_column from batch"

start_serve "$DATA"
cd "$WORK"
for i in $(seq 1 50); do
  if [ $((i % 12)) -eq 0 ]; then echo "{\"id\": $i, \"qty\": \"many\"}"; else echo "{\"id\": $i, \"qty\": $i}"; fi
done | "$LOCH" produce poison.items --bootstrap "$KAFKA" 2>/dev/null

run() {
  "$LOCH" pipeline run "$@" --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }

out=$(run items 2>&1)
expect_contains "the run ends normally" "$out" "items stopped"
expect_contains "a batch counts its failed records as poison" "$out" "poison=1"
expect_eq "the table: the good records, each offset once, qty typed" \
  "$(sql "select count(*) || ' ' || count(distinct _offset) || ' ' || sum(qty) from silver.items")" \
  "46 46 $(( 50 * 51 / 2 - 12 - 24 - 36 - 48 ))"
expect_eq "the DLQ: the 4 records with \"many\", with the cast error" \
  "$(sql "select count(*) || ' ' || count(distinct _offset) || ' ' || bool_and(_error like 'transform: %Could not convert string ''many''%')
          || ' ' || bool_and(value::varchar like '%many%') from silver.items_dlq")" "4 4 true true"
expect_eq "each offset in exactly one of them" \
  "$(sql "select count(*) || ' ' || count(distinct _offset) || ' ' || max(_offset)
          from (select _offset from silver.items union all select _offset from silver.items_dlq)")" "50 50 49"

out=$(run items 2>&1)
expect_eq "a rerun reads nothing" "$(printf '%s\n' "$out" | grep -c 'batch=' || true)" "0"
expect_eq "a rerun adds nothing" \
  "$(sql "select (select count(*) from silver.items) || ' ' || (select count(*) from silver.items_dlq)")" "46 4"

out=$(run broken 2>&1) && status=0 || status=$?
expect_eq "a transform naming a missing column fails the run" "$status" "1"
expect_contains "with the SQL error" "$out" "no_such_column"
expect_eq "and sends nothing to the DLQ" "$(ls "$DATA/lake/silver" | grep -c broken || true)" "0"

stop_serve
finish
