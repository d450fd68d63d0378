#!/usr/bin/env bash
# kill -9 of `loch sql` during MERGE (copy-on-write and deletion vectors)
# and during OPTIMIZE leaves the Delta table at the previous version or the
# next one, never in between: the rows read back are exactly the old ones or
# exactly the new ones, `loch table check` finds no problem, and VACUUM then
# removes the orphan files the killed writers left.
set -euo pipefail
LOCH=${1:?usage: delta_dml_kill9.sh path/to/loch}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
sql() { "$LOCH" sql --data-dir "$WORK" --format csv -c "$1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
state() { sql "SELECT count(*) || ',' || sum(v) FROM bronze.$1" | tail -1 | tr -d '"'; }
latest() { sql "SELECT max(version) FROM (DESCRIBE HISTORY bronze.$1)" | tail -1; }

check_table() {
  if out=$("$LOCH" table check "$WORK/lake/bronze/$1" 2>&1); then echo "ok - $1: loch table check passes"; else
    fail "$1: loch table check: $out"; fi
}

# 200,000 rows with v = 1 in 4 files. The MERGE sets v = 2 on the even ids
# and inserts the even ids 200,000..399,998 with v = 2: before it the table
# reads (200000 rows, sum 200000), after it (300000, 500000); running it
# again changes nothing.
for table in cow dv; do
  props=""
  if [[ $table == dv ]]; then props="TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')"; fi
  sql "CREATE TABLE bronze.$table (id BIGINT, v BIGINT) $props;
       INSERT INTO bronze.$table SELECT i, 1 FROM range(0, 50000) r(i);
       INSERT INTO bronze.$table SELECT i, 1 FROM range(50000, 100000) r(i);
       INSERT INTO bronze.$table SELECT i, 1 FROM range(100000, 150000) r(i);
       INSERT INTO bronze.$table SELECT i, 1 FROM range(150000, 200000) r(i)" >/dev/null
  merge="MERGE INTO bronze.$table t USING (SELECT i AS id, 2 AS v FROM range(0, 400000, 2) r(i)) s ON t.id = s.id
         WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT *"
  for delay in 0.05 0.4 1.5; do
    before_version=$(latest $table)
    before=$(state $table)
    "$LOCH" sql --data-dir "$WORK" --format csv -c "$merge" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    after=$(state $table)
    version=$(latest $table)
    if [[ $version == "$before_version" && $after == "$before" ]]; then
      echo "ok - $table MERGE killed after ${delay}s: still version $version ($after)"
    elif [[ $version -gt $before_version && $after == "300000,500000" ]]; then
      echo "ok - $table MERGE killed after ${delay}s: committed version $version ($after)"
    else
      fail "$table MERGE killed after ${delay}s: version $version reads ($after); before: version $before_version ($before)"
    fi
    check_table $table
  done
  # Finish the MERGE, so the OPTIMIZE below has deletion vectors to purge.
  out=$(sql "$merge" | tail -1)
  expect_state=$(state $table)
  if [[ $expect_state != "300000,500000" ]]; then fail "$table after a full MERGE reads ($expect_state), printed $out"; fi
done

# OPTIMIZE of 20 small files: killed anywhere, the rows stay the same.
sql "$(for i in $(seq 0 19); do echo "INSERT INTO bronze.dv SELECT i, 0 FROM range($((1000000 + i * 5000)), $((1005000 + i * 5000))) r(i);"; done)" >/dev/null
before=$(state dv)
for delay in 0.05 0.5 1.5; do
  before_version=$(latest dv)
  "$LOCH" sql --data-dir "$WORK" --format csv -c "OPTIMIZE bronze.dv" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  after=$(state dv)
  version=$(latest dv)
  if [[ $after == "$before" ]]; then
    echo "ok - OPTIMIZE killed after ${delay}s: version $before_version -> $version, rows unchanged ($after)"
  else
    fail "OPTIMIZE killed after ${delay}s: rows ($after), expected ($before)"
  fi
  check_table dv
done

# Uninterrupted, OPTIMIZE leaves one file with the same rows.
sql "OPTIMIZE bronze.dv" >/dev/null
files=$(sql "SELECT num_files FROM (DESCRIBE DETAIL bronze.dv)" | tail -1)
after=$(state dv)
if [[ $files == 1 && $after == "$before" ]]; then echo "ok - OPTIMIZE compacts to one file ($after)"; else
  fail "OPTIMIZE left $files files reading ($after), expected 1 file reading ($before)"; fi

# The killed writers' files are orphans: VACUUM with no retention removes
# every file the latest version does not use.
for table in cow dv; do
  sql "SET loch.delta.retentionDurationCheck = false; VACUUM bronze.$table RETAIN 0 HOURS" >/dev/null
  live=$(sql "SELECT num_files FROM (DESCRIBE DETAIL bronze.$table)" | tail -1)
  on_disk=$(find "$WORK/lake/bronze/$table" -name '*.parquet' -not -path '*/_delta_log/*' | wc -l)
  if [[ $live == "$on_disk" ]]; then echo "ok - $table: VACUUM left exactly the $live live data files"; else
    fail "$table: $on_disk Parquet files on disk after VACUUM, $live live"; fi
  check_table $table
done
after=$(state dv)
if [[ $after == "$before" ]]; then echo "ok - rows unchanged after VACUUM"; else fail "rows after VACUUM: ($after)"; fi

if [[ $failures -gt 0 ]]; then echo "$failures failed"; exit 1; fi
echo "all passed"
