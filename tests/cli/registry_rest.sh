#!/usr/bin/env bash
# The schema registry of `loch serve` over its REST API (curl) and through
# `loch schema`: Confluent's answers and error codes, garbage bodies, the
# body cap, and restarts (SIGTERM, kill -9) that keep every subject, version
# and id; a corrupt record in _schemas is reported and skipped.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

CT='Content-Type: application/vnd.schemaregistry.v1+json'
# http METHOD PATH [BODY]: prints "STATUS BODY".
http() {
  local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$1" "$REGISTRY$2")
  [ $# -ge 3 ] && args+=(-H "$CT" --data-binary "$3")
  local status
  status=$(curl "${args[@]}")
  echo "$status $(cat "$WORK/body")"
}

USER_V1='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"}'
USER_V2='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":\"string\",\"default\":\"\"}]}"}'
USER_BAD='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"age\",\"type\":\"int\"}]}"}'
ORDER_JSON='{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},\"required\":[\"n\"]}"}'
EVENT_PROTO='{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";\nmessage Event {\n  int64 at = 1;\n  string name = 2;\n}\n"}'

start_serve "$WORK/data"
expect_contains "registry port captured" "$REGISTRY" "http://127.0.0.1:"

# --- Confluent's answers -------------------------------------------------
expect_eq "root" "$(http GET /)" "200 {}"
expect_eq "register AVRO" "$(http POST /subjects/users-value/versions "$USER_V1")" '200 {"id":1}'
expect_eq "register same again" "$(http POST /subjects/users-value/versions "$USER_V1")" '200 {"id":1}'
expect_eq "register compatible v2" "$(http POST /subjects/users-value/versions "$USER_V2")" '200 {"id":2}'
expect_eq "register JSON" "$(http POST /subjects/orders-value/versions "$ORDER_JSON")" '200 {"id":3}'
expect_eq "register PROTOBUF" "$(http POST /subjects/events-value/versions "$EVENT_PROTO")" '200 {"id":4}'
expect_eq "same schema, other subject, same id" "$(http POST /subjects/users-copy/versions "$USER_V1")" '200 {"id":1}'
expect_eq "subjects" "$(http GET /subjects)" '200 ["events-value","orders-value","users-copy","users-value"]'
expect_eq "versions" "$(http GET /subjects/users-value/versions)" '200 [1,2]'
expect_contains "latest" "$(http GET /subjects/users-value/versions/latest)" '"subject":"users-value","version":2,"id":2'
expect_contains "by id" "$(http GET /schemas/ids/3)" '"schemaType":"JSON"'
expect_eq "subjects of id" "$(http GET /schemas/ids/1/subjects)" '200 ["users-copy","users-value"]'
expect_contains "lookup" "$(http POST /subjects/users-value "$USER_V1")" '"version":1,"id":1'
expect_eq "types" "$(http GET /schemas/types)" '200 ["AVRO","JSON","PROTOBUF"]'
expect_eq "raw schema" "$(http GET /subjects/users-value/versions/1/schema)" \
  '200 {"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}'

# --- error codes ---------------------------------------------------------
expect_contains "unknown subject" "$(http GET /subjects/nope/versions)" '404 {"error_code":40401'
expect_contains "unknown version" "$(http GET /subjects/users-value/versions/9)" '404 {"error_code":40402'
expect_contains "unknown id" "$(http GET /schemas/ids/99)" '404 {"error_code":40403'
expect_contains "bad version" "$(http GET /subjects/users-value/versions/x)" '422 {"error_code":42202'
expect_contains "invalid schema" "$(http POST /subjects/s/versions '{"schema":"{\"type\":\"recrod\"}"}')" \
  '422 {"error_code":42201'
expect_contains "invalid schema names the problem" "$(http POST /subjects/s/versions '{"schema":"{\"type\":\"recrod\"}"}')" \
  'recrod'
expect_contains "bad protobuf" "$(http POST /subjects/s/versions '{"schemaType":"PROTOBUF","schema":"message {"}')" \
  '422 {"error_code":42201'
expect_contains "incompatible" "$(http POST /subjects/users-value/versions "$USER_BAD")" '409 {"error_code":409'
compat=$(http POST '/compatibility/subjects/users-value/versions/latest?verbose=true' "$USER_BAD")
expect_contains "compatibility says no" "$compat" '"is_compatible":false'
expect_contains "with the difference" "$compat" 'age'
expect_contains "bad level" "$(http PUT /config '{"compatibility":"SIDEWAYS"}')" '422 {"error_code":42203'
expect_contains "no subject config" "$(http GET /config/users-value)" '404 {"error_code":40408'
expect_eq "set subject level" "$(http PUT /config/users-value '{"compatibility":"NONE"}')" '200 {"compatibility":"NONE"}'

# --- garbage never crashes -----------------------------------------------
for body in '' '{' 'null' '[1]' '{"schema":7}' "$(head -c 300 /dev/urandom | tr -d '\000')"; do
  out=$(http POST /subjects/g/versions "$body")
  case "$out" in
    400*'"error_code":'* | 422*'"error_code":'*) checks=$((checks + 1)) ;;
    *) fail "garbage body got: $out" ;;
  esac
done
expect_contains "unknown path" "$(http GET /nowhere)" '404 {"error_code":404'
expect_contains "wrong method" "$(http PATCH /subjects)" '405 {"error_code":405'
expect_contains "bad escape" "$(http GET /subjects/%zz/versions)" '400 {"error_code":400'
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' --data x "$REGISTRY/subjects/s/versions")
expect_eq "unsupported media type" "$status" "415"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$WORK/big"
status=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "$CT" --data-binary @"$WORK/big" "$REGISTRY/subjects/s/versions")
expect_eq "body over 16 MiB" "$status" "413"
printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${REGISTRY##*:}; cat >&3; cat <&3" >"$WORK/raw" || true
expect_contains "not HTTP" "$(head -1 "$WORK/raw")" "400 Bad Request"
expect_eq "still serving" "$(http GET /subjects/users-value/versions)" '200 [1,2]'

# --- loch schema ---------------------------------------------------------
S="$LOCH schema"
printf '%s' '{"type":"record","name":"Payment","fields":[{"name":"amount","type":"double"}]}' >"$WORK/payment.avsc"
printf '%s' '{"type":"record","name":"Payment","fields":[{"name":"amount","type":"double"},{"name":"currency","type":"string"}]}' >"$WORK/payment-bad.avsc"
expect_eq "cli register" "$($S register payments-value --file "$WORK/payment.avsc" --registry-url "$REGISTRY")" \
  "Registered payments-value version 1 with schema id 5"
expect_contains "cli list" "$($S list --registry-url "$REGISTRY")" "payments-value"
expect_eq "cli list versions" "$($S list payments-value --registry-url "$REGISTRY")" "1"
expect_eq "cli get --schema-only" "$($S get payments-value --schema-only --registry-url "$REGISTRY")" \
  '{"type":"record","name":"Payment","fields":[{"name":"amount","type":"double"}]}'
expect_contains "cli get by id" "$($S get --id 3 --registry-url "$REGISTRY")" "type: JSON"
set +e
out=$($S check payments-value --file "$WORK/payment-bad.avsc" --registry-url "$REGISTRY" 2>&1)
rc=$?
set -e
expect_eq "cli check exit code" "$rc" "3"
expect_contains "cli check says why" "$out" "currency"
expect_eq "cli check compatible" "$($S check payments-value --file "$WORK/payment.avsc" --registry-url "$REGISTRY")" "compatible"
set +e
out=$($S get nope --registry-url "$REGISTRY" 2>&1)
rc=$?
set -e
expect_eq "cli unknown subject exit code" "$rc" "1"
expect_contains "cli error code" "$out" "(error 40401)"
expect_eq "cli delete" "$($S delete users-copy --registry-url "$REGISTRY")" "Deleted users-copy versions [1]"
set +e
out=$($S list --registry-url http://127.0.0.1:1 2>&1)
rc=$?
set -e
expect_eq "cli unreachable exit code" "$rc" "1"
expect_contains "cli unreachable message" "$out" "cannot connect"

# --- restarts ------------------------------------------------------------
snapshot() {
  local out=""
  for path in /subjects '/subjects?deleted=true' /subjects/users-value/versions /subjects/users-value/versions/2 \
    /schemas/ids/1 /schemas/ids/3 /schemas/ids/4 /schemas/ids/5 /config/users-value; do
    out+="$path $(http GET "$path")"$'\n'
  done
  printf '%s' "$out"
}
before=$(snapshot)
stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
start_serve "$WORK/data"
expect_eq "SIGTERM restart keeps everything" "$(snapshot)" "$before"
expect_eq "new ids continue" "$(http POST /subjects/new/versions '{"schema":"\"int\""}')" '200 {"id":6}'
before=$(snapshot)
stop_serve KILL
start_serve "$WORK/data"
expect_eq "kill -9 restart keeps everything" "$(snapshot)" "$before"

# A record another producer put into _schemas: reported and skipped.
if command -v kcat >/dev/null; then
  printf 'not-a-key|{"garbage":true}\n' | kcat -P -b "$KAFKA" -t _schemas -p 0 -K '|'
  stop_serve TERM
  start_serve "$WORK/data"
  expect_contains "corrupt record reported" "$(cat "$SERVE_LOG")" "registry: skipping _schemas-0 offset"
  expect_eq "registry still whole" "$(snapshot)" "$before"
fi
stop_serve TERM

# --registry-enabled false: no listener.
start_serve "$WORK/data" --registry-enabled false
expect_eq "registry off" "$REGISTRY" ""
stop_serve TERM

finish
