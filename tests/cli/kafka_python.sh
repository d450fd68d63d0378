#!/usr/bin/env bash
# kafka-python (Debian's python3-kafka; the oldest group API versions loch
# answers) against `loch serve`: a producer, a group member that commits and
# resumes after a broker restart, the admin client's group listings
# (tests/py/kafka_python_groups.py says what each phase checks).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

# Debian's interpreter: the package installs into its site-packages.
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import kafka' 2>/dev/null; then
  echo "python3-kafka is not installed (run scripts/setup)" >&2
  exit 1
fi

run_phase() {
  local out
  if ! out=$(timeout 90 "$PYTHON" "$REPO_ROOT/tests/py/kafka_python_groups.py" "$KAFKA" "$1" 2>&1); then
    fail "kafka-python $1"
    printf '%s\n' "$out" >&2
    return
  fi
  printf '%s\n' "$out"
  checks=$((checks + $(grep -c '^ok ' <<<"$out")))
}

start_serve "$WORK/data" --num-partitions 2 --group-initial-rebalance-delay-ms 0
run_phase before-restart
stop_serve TERM
expect_eq "clean exit on SIGTERM" "$SERVE_EXIT" "0"
start_serve "$WORK/data" --num-partitions 2 --group-initial-rebalance-delay-ms 0
run_phase after-restart
stop_serve TERM

finish
