#!/usr/bin/env bash
# Two loch processes append to one Delta table at the same time, 100
# commits each, with no lock service between them: put-if-absent on the
# commit file and blind-append retries give exactly 200 new versions and
# every row; checkpoints every 10 versions; a log that follows the writer
# requirements. (Logical conflicts are tested in transaction_test.cc.)
set -euo pipefail
LOCH=${1:?usage: delta_concurrent.sh path/to/loch}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
sql() { "$LOCH" sql --data-dir "$WORK" --format csv -c "$1"; }
expect() {
  local got
  got=$(sql "$2" 2>&1) || true
  if [[ $got == "$3" ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  expected: $3"; echo "  got:      $got"; failures=$((failures + 1)); fi
}

sql "CREATE TABLE bronze.appends (writer INT, n INT)" >/dev/null
script() {  # script <writer>: 100 INSERT statements
  for i in $(seq 1 100); do echo "INSERT INTO bronze.appends VALUES ($1, $i);"; done
}
script 1 > "$WORK/one.sql"
script 2 > "$WORK/two.sql"
"$LOCH" sql --data-dir "$WORK" --format csv -f "$WORK/one.sql" > "$WORK/one.out" 2>&1 &
first=$!
"$LOCH" sql --data-dir "$WORK" --format csv -f "$WORK/two.sql" > "$WORK/two.out" 2>&1 &
second=$!
status=0
wait $first || status=1
wait $second || status=1
if [[ $status -ne 0 ]]; then echo "FAIL - a writer process failed"; tail -3 "$WORK/one.out" "$WORK/two.out"; failures=$((failures + 1)); fi

expect "exactly 200 new versions after version 0" \
  "SELECT count(*) AS commits, max(version) AS latest FROM (DESCRIBE HISTORY bronze.appends)" $'commits,latest\n201,200'
expect "every row of both writers is present once" \
  "SELECT writer, count(*) AS n, count(DISTINCT n) AS distinct_n FROM bronze.appends GROUP BY writer ORDER BY writer" \
  $'writer,n,distinct_n\n1,100,100\n2,100,100'
for v in 10 100 200; do
  f=$(printf '%s/lake/bronze/appends/_delta_log/%020d.checkpoint.parquet' "$WORK" "$v")
  if [[ -f $f ]]; then echo "ok - checkpoint $v exists"; else echo "FAIL - checkpoint $v missing"; failures=$((failures + 1)); fi
done
if python3 "$(dirname "$0")/../lib/delta_log_check.py" "$WORK/lake/bronze/appends"; then echo "ok - the log follows the writer requirements"; else
  failures=$((failures + 1)); fi

if [[ $failures -gt 0 ]]; then echo "$failures failed"; exit 1; fi
echo "all passed"
