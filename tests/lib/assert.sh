# Helpers for tests/cli/*.sh: each script gets the loch binary as $1, runs it
# in a fresh temporary directory and fails on the first broken expectation.
set -euo pipefail

LOCH=$(realpath "$1")
TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TESTS_LIB/../.." && pwd)
CLIENTS="$(dirname "$LOCH")/test-clients"  # tests/clients/*.c, built beside loch
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
  checks=$((checks + 1))
  if [ "$2" != "$3" ]; then
    fail "$1"
    echo "--- expected:" >&2; printf '%s\n' "$3" >&2
    echo "--- actual:" >&2; printf '%s\n' "$2" >&2
  fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  checks=$((checks + 1))
  case "$2" in
    *"$3"*) ;;
    *) fail "$1: '$3' not found in:"; printf '%s\n' "$2" >&2 ;;
  esac
}

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures of $checks checks failed" >&2
    exit 1
  fi
  echo "$checks checks passed"
}
