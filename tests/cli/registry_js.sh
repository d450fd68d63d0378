#!/usr/bin/env bash
# Confluent's JavaScript schema registry client (npm @confluentinc/schemaregistry,
# tests/js/node_modules from scripts/setup) against `loch serve`: register,
# look up, serialize and deserialize AVRO, JSON and PROTOBUF records, and
# compatibility answers that agree with loch's (tests/js/registry_client.mjs).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

if [ ! -d "$REPO_ROOT/tests/js/node_modules/@confluentinc/schemaregistry" ]; then
  echo "@confluentinc/schemaregistry is not installed (run scripts/setup)" >&2
  exit 1
fi

start_serve "$WORK/data"
if ! out=$(node "$REPO_ROOT/tests/js/registry_client.mjs" "$REGISTRY" 2>&1); then
  fail "registry_client.mjs"
fi
printf '%s\n' "$out"
checks=$((checks + $(grep -c '^ok ' <<<"$out")))
stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
finish
