#!/usr/bin/env bash
# kafkajs 2.2 (npm, tests/js/node_modules from scripts/setup) against
# `loch serve`: admin operations, a producer, a consumer group that commits
# and resumes after a broker restart, resetOffsets, deleteGroups
# (tests/js/groups.mjs says what each phase checks).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

if [ ! -d "$REPO_ROOT/tests/js/node_modules/kafkajs" ]; then
  echo "kafkajs is not installed (run scripts/setup)" >&2
  exit 1
fi

run_phase() {
  local out
  if ! out=$(timeout 120 node "$REPO_ROOT/tests/js/groups.mjs" "$KAFKA" "$1" 2>&1); then
    fail "kafkajs $1"
    printf '%s\n' "$out" >&2
    return
  fi
  printf '%s\n' "$out"
  checks=$((checks + $(grep -c '^ok ' <<<"$out")))
}

start_serve "$WORK/data" --group-initial-rebalance-delay-ms 0
run_phase before-restart
stop_serve TERM
expect_eq "clean exit on SIGTERM" "$SERVE_EXIT" "0"
start_serve "$WORK/data" --group-initial-rebalance-delay-ms 0
run_phase after-restart
stop_serve TERM

finish
