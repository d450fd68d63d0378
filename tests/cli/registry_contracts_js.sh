#!/usr/bin/env bash
# Records written by Confluent's JavaScript serializers (npm
# @confluentinc/schemaregistry) and produced with kafkajs to topics whose
# contract rejects bad records: the broker's AVRO / JSON / PROTOBUF decoders
# accept them, and refuse records that break their schema with INVALID_RECORD
# (tests/js/contract_serializers.mjs).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

if [ ! -d "$REPO_ROOT/tests/js/node_modules/@confluentinc/schemaregistry" ]; then
  echo "@confluentinc/schemaregistry is not installed (run scripts/setup)" >&2
  exit 1
fi

start_serve "$WORK/data"
if ! out=$(timeout 120 node "$REPO_ROOT/tests/js/contract_serializers.mjs" "$KAFKA" "$REGISTRY" 2>&1); then
  fail "contract_serializers.mjs"
fi
printf '%s\n' "$out"
checks=$((checks + $(grep -c '^ok ' <<<"$out")))
expect_contains "20 avro records in the topic" "$("$LOCH" topic describe avro-strict -b "$KAFKA")" "records: 20"
expect_contains "20 protobuf records in the topic" "$("$LOCH" topic describe proto-strict -b "$KAFKA")" "records: 20"
expect_contains "the refusal names the JSON rule" "$(cat "$SERVE_LOG")" "#/name"
stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
finish
