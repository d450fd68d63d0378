#!/usr/bin/env bash
# kafkajs 2.2 transactions against `loch serve`: commit and abort paths,
# sendOffsets, read_committed and read_uncommitted consumers
# (tests/js/transactions.mjs says what it checks).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

if [ ! -d "$REPO_ROOT/tests/js/node_modules/kafkajs" ]; then
  echo "kafkajs is not installed (run scripts/setup)" >&2
  exit 1
fi

start_serve "$WORK/data" --group-initial-rebalance-delay-ms 0
if ! out=$(timeout 120 node "$REPO_ROOT/tests/js/transactions.mjs" "$KAFKA" 2>&1); then
  fail "kafkajs transactions"
fi
printf '%s\n' "$out"
checks=$((checks + $(grep -c '^ok ' <<<"$out")))
expect_eq "every kafkajs transaction check ran" "$(grep -c '^ok ' <<<"$out")" "6"
stop_serve TERM
finish
