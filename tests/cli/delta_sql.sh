#!/usr/bin/env bash
# loch sql over real Delta tables (copies of ../shared/testdata/delta):
# zone tables, delta_scan, time travel, deletion vectors, column mapping,
# DESCRIBE HISTORY / DETAIL, EXPLAIN, and clear errors for broken tables.
set -euo pipefail
LOCH=${1:?usage: delta_sql.sh path/to/loch}
DATA=${LOCH_DELTA_TESTDATA:-/work/shared/testdata/delta}
if [[ ! -d $DATA ]]; then echo "no Delta test data at $DATA: skipped"; exit 0; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lake/bronze" "$WORK/lake/silver" "$WORK/lake/gold"
cp -r "$DATA/dat/basic_partitioned/delta" "$WORK/lake/bronze/events"
cp -r "$DATA/dat/multi_partitioned/delta" "$WORK/lake/silver/orders"
cp -r "$DATA/delta-kernel-rs-golden/dv-with-columnmapping/delta" "$WORK/lake/gold/dv_table"
cp -r "$DATA/delta-kernel-rs-golden/v2-checkpoint-parquet/delta" "$WORK/v2"
cp -r "$DATA/delta-kernel-rs-golden/deltalog-invalid-protocol-version/delta" "$WORK/bad_protocol"
cp -r "$DATA/delta-rs/data_err_logs-table_d/delta" "$WORK/catalog_owned"
# Commit timestamps are the commit files' modification times: give them
# known values so that TIMESTAMP AS OF is deterministic.
touch -d '2024-01-01 00:00:00 UTC' "$WORK/lake/bronze/events/_delta_log/00000000000000000000.json"
touch -d '2024-01-02 00:00:00 UTC' "$WORK/lake/bronze/events/_delta_log/00000000000000000001.json"

failures=0
sql() { "$LOCH" sql --data-dir "$WORK" --format csv -c "$1"; }
expect() {  # expect <description> <sql> <expected output>
  local got
  got=$(sql "$2" 2>&1) || true
  if [[ $got == "$3" ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  sql:      $2"; echo "  expected: $3"; echo "  got:      $got"; failures=$((failures + 1)); fi
}
expect_contains() {  # expect_contains <description> <sql> <text the output must contain>
  local got
  got=$(sql "$2" 2>&1) || true
  if [[ $got == *"$3"* ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  expected output containing: $3"; echo "  got: $got"; failures=$((failures + 1)); fi
}
expect_error() {  # expect_error <description> <sql> <text the error must contain>
  local got
  if got=$(sql "$2" 2>&1); then echo "FAIL - $1: succeeded: $got"; failures=$((failures + 1)); return; fi
  if [[ $got == *"$3"* ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  expected error containing: $3"; echo "  got: $got"; failures=$((failures + 1)); fi
}

expect "a zone table reads every live row" \
  "SELECT count(*) AS n, sum(number) AS s FROM bronze.events" $'n,s\n6,21'
expect "null partition values read as NULL" \
  "SELECT number FROM bronze.events WHERE letter IS NULL" $'number\n6'
expect "an alias after a zone table is kept" \
  "SELECT e.number FROM bronze.events e WHERE e.letter = 'b'" $'number\n2'
expect "VERSION AS OF reads an older snapshot" \
  "SELECT count(*) AS n FROM bronze.events VERSION AS OF 0" $'n\n3'
expect "TIMESTAMP AS OF picks the newest version committed by then" \
  "SELECT count(*) AS n FROM bronze.events TIMESTAMP AS OF '2024-01-01 12:00:00'" $'n\n3'
expect_error "TIMESTAMP AS OF before the first commit is an error" \
  "SELECT count(*) FROM bronze.events TIMESTAMP AS OF '2023-01-01'" "no version"
expect "delta_scan works inside a subquery and a join" \
  "SELECT count(*) AS n FROM (SELECT * FROM delta_scan('$WORK/lake/bronze/events', version := 1)) a JOIN silver.orders o ON a.letter = o.letter" $'n\n1'
expect "removed files are not read (multi_partitioned v2)" \
  "SELECT count(*) AS n FROM silver.orders" $'n\n2'
expect "deletion vectors with column mapping hide deleted rows" \
  "SELECT count(*) AS n FROM gold.dv_table" $'n\n35'
expect "v2 checkpoints with sidecars" \
  "SELECT count(*) AS n FROM delta_scan('$WORK/v2')" $'n\n10'
expect "DESCRIBE HISTORY lists commits newest first" \
  "SELECT version, operation FROM (DESCRIBE HISTORY bronze.events)" $'version,operation\n1,WRITE\n0,WRITE' 
expect "DESCRIBE HISTORY as a statement gives commit timestamps" \
  "DESCRIBE HISTORY bronze.events" "$(sql "SELECT * FROM (DESCRIBE HISTORY bronze.events)" 2>&1)"
expect "DESCRIBE HISTORY timestamps are the commit times" \
  "SELECT max(timestamp) AS t FROM (DESCRIBE HISTORY bronze.events)" $'t\n2024-01-02 00:00:00+00'
expect "DESCRIBE DETAIL reports version, files and partitioning" \
  "SELECT version, num_files, partition_columns FROM (DESCRIBE DETAIL bronze.events)" $'version,num_files,partition_columns\n1,6,[\'letter\']'
expect_contains "EXPLAIN says how many files a Delta scan reads" \
  "EXPLAIN SELECT * FROM bronze.events" "delta table bronze.events version 1: 6 of 6 files read, 0 skipped"
expect_contains "EXPLAIN shows files skipped by a partition filter" \
  "EXPLAIN SELECT * FROM bronze.events WHERE letter = 'a'" "2 of 6 files read, 4 skipped (4 by partition filter letter = a)"
expect_contains "EXPLAIN shows files skipped by min/max statistics" \
  "EXPLAIN SELECT * FROM bronze.events e WHERE e.number > 4" "4 by min/max, number > 4"
expect_contains "EXPLAIN shows files skipped by BETWEEN and IN" \
  "EXPLAIN SELECT * FROM bronze.events WHERE number BETWEEN 5 AND 6 AND letter IN ('e', 'z')" "1 of 6 files read, 5 skipped"
expect "a pruned scan returns the same rows" \
  "SELECT number FROM bronze.events WHERE number > 4 ORDER BY 1" $'number\n5\n6'
expect_error "DESCRIBE DETAIL of a table that does not exist" \
  "DESCRIBE DETAIL gold.nothing" "no Delta table gold.nothing"
expect_error "an unsupported reader version is refused" \
  "SELECT * FROM delta_scan('$WORK/bad_protocol')" "reader version 99"
expect_error "an unsupported reader feature is refused by name" \
  "SELECT * FROM delta_scan('$WORK/catalog_owned')" "catalogOwned"
expect_error "a version after the latest is an error" \
  "SELECT * FROM bronze.events VERSION AS OF 9" "does not exist"
rm "$WORK/lake/bronze/events/_delta_log/00000000000000000000.json"
expect_error "a missing commit is an error naming it" \
  "SELECT * FROM bronze.events VERSION AS OF 0" "00000000000000000000.json"
echo "garbage" > "$WORK/lake/silver/orders/_delta_log/00000000000000000002.json"
expect_error "a malformed commit is an error naming file and version" \
  "SELECT * FROM silver.orders" "00000000000000000002.json (version 2): line 1"
cp -r "$DATA/dat/with_checkpoint/delta" "$WORK/truncated"
head -c 100 "$WORK/truncated/_delta_log/00000000000000000002.checkpoint.parquet" > "$WORK/truncated/cp" &&
  mv "$WORK/truncated/cp" "$WORK/truncated/_delta_log/00000000000000000002.checkpoint.parquet"
expect_error "a truncated checkpoint is an error naming the file and version" \
  "SELECT * FROM delta_scan('$WORK/truncated')" "00000000000000000002.checkpoint.parquet (version 2)"
cp -r "$DATA/dat/basic_append/delta" "$WORK/missing_file"
rm "$WORK"/missing_file/part-*.parquet
expect_error "a missing data file is an error naming the file and version" \
  "SELECT * FROM delta_scan('$WORK/missing_file')" "of the table is missing (version 1)"
if [[ $failures -gt 0 ]]; then echo "$failures failed"; exit 1; fi
echo "all passed"
