#!/usr/bin/env bash
# kill -9 of `loch sql` in the middle of a large INSERT leaves the Delta
# table at the previous version or the next one, never in between: the
# rows are all there or none are, the log has no partial commit, `loch
# table check` finds no problem (orphan Parquet files are harmless), and
# the next INSERT commits normally.
set -euo pipefail
LOCH=${1:?usage: delta_kill9.sh path/to/loch}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
sql() { "$LOCH" sql --data-dir "$WORK" --format csv -c "$1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
TABLE="$WORK/lake/bronze/big"

sql "CREATE TABLE bronze.big (id BIGINT, payload STRING, day DATE) PARTITIONED BY (day);
     INSERT INTO bronze.big SELECT i, 'seed', DATE '2024-01-01' FROM range(1000) r(i)" >/dev/null
expected_rows=1000
version=1
# Different delays land the kill in different phases: planning, writing
# Parquet, committing, checkpointing.
for delay in 0.1 0.7 2 5; do
  "$LOCH" sql --data-dir "$WORK" --format csv -c \
    "INSERT INTO bronze.big SELECT i, repeat('x', 50) || i, DATE '2024-01-02' + (i % 20)::INT FROM range(1000000) r(i)" \
    >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  got=$(sql "SELECT (SELECT count(*) FROM bronze.big) AS n, (SELECT max(version) FROM (DESCRIBE HISTORY bronze.big)) AS v" | tail -1)
  rows=${got%,*}
  latest=${got#*,}
  if [[ $latest == "$version" && $rows == "$expected_rows" ]]; then
    echo "ok - killed after ${delay}s: still version $version with $rows rows"
  elif [[ $latest == $((version + 1)) && $rows == $((expected_rows + 1000000)) ]]; then
    echo "ok - killed after ${delay}s: committed version $latest with $rows rows"
    version=$latest
    expected_rows=$rows
  else
    fail "killed after ${delay}s: version $latest with $rows rows (expected version $version with $expected_rows rows, or the next with 1000000 more)"
  fi
  if out=$("$LOCH" table check "$TABLE" 2>&1); then echo "ok - loch table check passes after the kill"; else
    fail "loch table check after the kill: $out"; fi
  if ls "$TABLE/_delta_log" | grep -v -E '^([0-9]{20}\.(json|checkpoint\.parquet)|_last_checkpoint|\._loch_tmp\..*)$' | grep -q .; then
    fail "unexpected files in _delta_log: $(ls "$TABLE/_delta_log")"
  fi
done
if sql "INSERT INTO bronze.big VALUES (-1, 'after', DATE '2024-01-01')" >/dev/null; then
  echo "ok - an INSERT after the kills commits"
else
  fail "an INSERT after the kills failed"
fi
got=$(sql "SELECT count(*) FROM bronze.big" | tail -1)
if [[ $got == $((expected_rows + 1)) ]]; then echo "ok - every committed row is readable"; else fail "row count $got, expected $((expected_rows + 1))"; fi

if [[ $failures -gt 0 ]]; then echo "$failures failed"; exit 1; fi
echo "all passed"
