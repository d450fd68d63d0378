#!/usr/bin/env bash
# loch pipeline run with registry formats: Avro and JSON Schema records in
# Confluent wire format (magic byte, schema id) are decoded by looking the
# ids up in loch serve's registry over HTTP (--registry-url). Silver gets
# typed columns from the writer schema; a record whose schema id the
# registry does not know goes to the _dlq table with the reason.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"

start_serve "$DATA"
source "$TESTS_LIB/contract_schemas.sh"
avro_id=$(register users-value "$v1")
json_schema='{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"},"price":{"type":"number"},"day":{"type":"string","format":"date"}}}'
json_id=$("$LOCH" schema register items-value --type JSON --schema "$json_schema" --registry-url "$REGISTRY" |
  grep -o 'schema id [0-9]*' | cut -d' ' -f3)
expect_eq "two schemas" "$([ -n "$avro_id" ] && [ -n "$json_id" ] && echo ok)" "ok"

"$LOCH" topic create users -p 2 -b "$KAFKA" >/dev/null
"$LOCH" topic create items -p 1 -b "$KAFKA" >/dev/null
# 500 Avro records {id, name}; every 10th written with schema id 99999, which nobody registered.
out=$("$CLIENTS/contract_producer" "$KAFKA" users 500 "$avro_id" 99999 10) || fail "avro produce: $out"
expect_eq "avro records acknowledged" "$out" "delivered 500 failed 0"
# JSON Schema records: magic 0, the id as 4 big-endian bytes, the JSON document.
header=$(printf '\\x00\\x%02x\\x%02x\\x%02x\\x%02x' $((json_id >> 24 & 255)) $((json_id >> 16 & 255)) \
  $((json_id >> 8 & 255)) $((json_id & 255)))
for i in 1 2 3; do
  printf "$header"'{"sku":"s%d","qty":%d,"price":%d.5,"day":"2026-01-0%d"}\n' "$i" "$i" "$i" "$i"
done | "$LOCH" produce items -b "$KAFKA" 2>/dev/null

mkdir -p "$PROJECT/pipelines"
cat >"$PROJECT/pipelines/silver_users.yaml" <<'YAML'
source: {topics: [users]}
format: {type: avro}
sink: {table: silver.users}
YAML
cat >"$PROJECT/pipelines/silver_items.yaml" <<'YAML'
source: {topics: [items]}
format: json
sink: {table: silver.items}
transform: {sql: "select sku, qty, price * qty as total, day from batch"}
YAML

run() {
  "$LOCH" pipeline run "$@" --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"
}
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }

# The default registry (localhost:8081) is not this test's: without
# --registry-url the run fails naming the registry (no record reaches the DLQ).
if out=$(run silver_users --registry-url http://127.0.0.1:1 2>&1); then fail "a run without a reachable registry succeeded"; fi
expect_contains "an unreachable registry is named" "$out" "schema registry http://127.0.0.1:1"

out=$(run --all --registry-url "$REGISTRY" 2>&1) || fail "pipeline run failed: $out"
expect_contains "the avro pipeline ran" "$out" "silver_users stopped"
expect_contains "the json pipeline ran" "$out" "silver_items stopped"
expect_eq "silver.users: the 450 records of the known schema, typed" \
  "$(sql "select count(*) || ' ' || count(distinct id) || ' ' || min(typeof(id)) || ' ' || min(typeof(name)) || ' ' || min(name) from silver.users")" \
  "450 450 BIGINT VARCHAR user-1"
expect_eq "no record of the unknown schema in silver.users" \
  "$(sql "select count(*) from silver.users where id % 10 = 0")" "0"
expect_eq "silver.users_dlq: the 50 records of schema id 99999, with the reason" \
  "$(sql "select count(*) || ' ' || count(distinct _offset || '/' || _partition) || ' ' || bool_and(_error like '%schema id 99999 is not registered%') from silver.users_dlq")" \
  "50 50 true"
expect_eq "silver.items: JSON Schema columns, typed" \
  "$(sql "select string_agg(sku || ':' || qty || ':' || total || ':' || day || ':' || typeof(qty) || ':' || typeof(day), ' ' order by sku) from silver.items")" \
  "s1:1:1.5:2026-01-01:BIGINT:DATE s2:2:5.0:2026-01-02:BIGINT:DATE s3:3:10.5:2026-01-03:BIGINT:DATE"
expect_eq "a second run reads nothing" "$(run --all --registry-url "$REGISTRY" | grep -c 'batch=' || true)" "0"

# preview decodes through the registry too.
out=$("$LOCH" pipeline preview silver_users --project "$PROJECT" --bootstrap "$KAFKA" --registry-url "$REGISTRY")
expect_contains "preview counts the unknown schema's records as poison" "$out" "records=500 decoded=450 poison=50"
expect_contains "preview names the reason" "$out" "schema id 99999 is not registered"

stop_serve
finish
