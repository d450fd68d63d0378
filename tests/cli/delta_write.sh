#!/usr/bin/env bash
# loch sql writes Delta tables: CREATE TABLE (columns, CTAS, partitions,
# properties, paths), INSERT INTO / OVERWRITE (static and dynamic
# partitions), schema evolution, NOT NULL and CHECK constraints, ALTER
# TABLE, DROP TABLE; the log follows the writer requirements and the
# active files read back through DuckDB's plain read_parquet.
set -euo pipefail
LOCH=${1:?usage: delta_write.sh path/to/loch}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

failures=0
sql() { "$LOCH" sql --data-dir "$WORK" --format csv -c "$1"; }
expect() {  # expect <description> <sql> <expected output>
  local got
  got=$(sql "$2" 2>&1) || true
  if [[ $got == "$3" ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  sql:      $2"; echo "  expected: $3"; echo "  got:      $got"; failures=$((failures + 1)); fi
}
expect_error() {  # expect_error <description> <sql> <text the error must contain>
  local got
  if got=$(sql "$2" 2>&1); then echo "FAIL - $1: succeeded: $got"; failures=$((failures + 1)); return; fi
  if [[ $got == *"$3"* ]]; then echo "ok - $1"; else
    echo "FAIL - $1"; echo "  expected error containing: $3"; echo "  got: $got"; failures=$((failures + 1)); fi
}
check() {  # check <description> <command...>: the command must succeed
  local description=$1; shift
  if "$@"; then echo "ok - $description"; else echo "FAIL - $description"; failures=$((failures + 1)); fi
}

expect "CREATE TABLE makes a Delta table at version 0" \
  "CREATE TABLE bronze.orders (id BIGINT NOT NULL, customer STRING, amount DECIMAL(10,2), day DATE) USING DELTA PARTITIONED BY (day) TBLPROPERTIES ('delta.appendOnly' = 'false', delta.checkpointInterval = 5) COMMENT 'orders';
   SELECT version, partition_columns, min_reader_version, min_writer_version FROM (DESCRIBE DETAIL bronze.orders)" \
  $'version,partition_columns,min_reader_version,min_writer_version\n0,[\'day\'],1,2'
expect_error "CREATE TABLE of an existing table fails" \
  "CREATE TABLE bronze.orders (id BIGINT)" "already exists"
expect "CREATE TABLE IF NOT EXISTS of an existing table does nothing" \
  "CREATE TABLE IF NOT EXISTS bronze.orders (id BIGINT); SELECT count(*) AS versions FROM (DESCRIBE HISTORY bronze.orders)" \
  $'versions\n1'
expect "INSERT INTO ... VALUES reports the rows inserted" \
  "INSERT INTO bronze.orders VALUES (1, 'ann', 10.50, DATE '2024-01-01'), (2, 'bob', 20.00, DATE '2024-01-02'), (3, NULL, 5.25, DATE '2024-01-01')" \
  $'num_affected_rows,num_inserted_rows\n3,3'
expect "the rows read back" \
  "SELECT id, customer, amount, day FROM bronze.orders ORDER BY id" \
  $'id,customer,amount,day\n1,ann,10.50,2024-01-01\n2,bob,20.00,2024-01-02\n3,,5.25,2024-01-01'
expect "INSERT with a column list fills the other columns with NULL" \
  "INSERT INTO bronze.orders (day, id) VALUES (DATE '2024-01-03', 4); SELECT id, customer IS NULL AS no_customer, day FROM bronze.orders WHERE id = 4" \
  $'num_affected_rows,num_inserted_rows\n1,1\nid,no_customer,day\n4,true,2024-01-03'
expect "INSERT ... SELECT from another lake table" \
  "CREATE TABLE silver.big_orders AS SELECT id, amount FROM bronze.orders WHERE amount > 6;
   INSERT INTO silver.big_orders SELECT id + 100, amount FROM bronze.orders WHERE id = 1;
   SELECT count(*) AS n, sum(amount) AS total FROM silver.big_orders" \
  $'num_affected_rows,num_inserted_rows\n2,2\nnum_affected_rows,num_inserted_rows\n1,1\nn,total\n3,41.00'
expect "INSERT ... BY NAME matches columns by name" \
  "INSERT INTO silver.big_orders BY NAME SELECT 2.50 AS amount, 600 AS id; SELECT amount FROM silver.big_orders WHERE id = 600" \
  $'num_affected_rows,num_inserted_rows\n1,1\namount\n2.50'
expect_error "NOT NULL is enforced, naming the column and the row" \
  "INSERT INTO bronze.orders VALUES (NULL, 'x', 1.00, DATE '2024-01-01')" "NOT NULL constraint violated for column id"
expect_error "a query with too many columns is refused" \
  "INSERT INTO bronze.orders VALUES (9, 'x', 1.00, DATE '2024-01-01', 'extra')" "the query has 5 columns but 4 are expected"
expect "ALTER TABLE ADD CONSTRAINT checks existing rows and then writes" \
  "ALTER TABLE bronze.orders ADD CONSTRAINT positive_id CHECK (id > 0);
   SELECT min_writer_version FROM (DESCRIBE DETAIL bronze.orders)" $'min_writer_version\n3'
expect_error "a CHECK violation names the constraint and a bad row" \
  "INSERT INTO bronze.orders VALUES (-5, 'neg', 1.00, DATE '2024-01-01')" \
  'CHECK constraint positive_id (id > 0) violated by row with values {"id":-5'
expect_error "a constraint the existing rows break is refused" \
  "ALTER TABLE bronze.orders ADD CONSTRAINT small CHECK (amount < 15)" "CHECK constraint small (amount < 15) violated"
expect_error "a CHECK that evaluates to NULL is a violation (PROTOCOL.md)" \
  "ALTER TABLE bronze.orders ADD CONSTRAINT has_amount CHECK (amount > 0)" "violated by row with values {\"id\":4"
expect "DROP CONSTRAINT removes it" \
  "ALTER TABLE bronze.orders DROP CONSTRAINT positive_id; INSERT INTO bronze.orders VALUES (-5, 'neg', 1.00, DATE '2024-01-01')" \
  $'num_affected_rows,num_inserted_rows\n1,1'
expect "INSERT OVERWRITE with a static partition replaces only that partition" \
  "INSERT OVERWRITE bronze.orders PARTITION (day = DATE '2024-01-01') VALUES (7, 'new', 1.00);
   SELECT day, count(*) AS n FROM bronze.orders GROUP BY day ORDER BY day" \
  $'num_affected_rows,num_inserted_rows\n1,1\nday,n\n2024-01-01,1\n2024-01-02,1\n2024-01-03,1'
expect "INSERT OVERWRITE with a dynamic partition replaces the partitions written" \
  "INSERT OVERWRITE bronze.orders PARTITION (day) SELECT 8, 'dyn', 2.00, DATE '2024-01-02';
   SELECT day, string_agg(customer, ',') AS customers FROM bronze.orders GROUP BY day ORDER BY day" \
  $'num_affected_rows,num_inserted_rows\n1,1\nday,customers\n2024-01-01,new\n2024-01-02,dyn\n2024-01-03,'
expect "loch.delta.partitionOverwriteMode = dynamic does the same without a PARTITION clause" \
  "SET loch.delta.partitionOverwriteMode = dynamic;
   INSERT OVERWRITE bronze.orders SELECT 9, 'dyn2', 3.00, DATE '2024-01-03';
   SELECT count(*) AS n FROM bronze.orders" $'num_affected_rows,num_inserted_rows\n1,1\nn\n3'
expect "a full INSERT OVERWRITE replaces every row" \
  "INSERT OVERWRITE bronze.orders VALUES (1, 'only', 1.00, DATE '2024-02-01'); SELECT id, customer FROM bronze.orders" \
  $'num_affected_rows,num_inserted_rows\n1,1\nid,customer\n1,only'
expect "ALTER TABLE ADD COLUMNS; old rows read NULL" \
  "ALTER TABLE bronze.orders ADD COLUMNS (channel STRING COMMENT 'where', score DOUBLE);
   INSERT INTO bronze.orders VALUES (2, 'web', 2.00, DATE '2024-02-01', 'web', 0.5);
   SELECT id, channel, score FROM bronze.orders ORDER BY id" \
  $'num_affected_rows,num_inserted_rows\n1,1\nid,channel,score\n1,,\n2,web,0.5'
expect_error "an extra column without mergeSchema is refused" \
  "INSERT INTO silver.big_orders SELECT 1 AS id, 2.0 AS amount, 'x' AS note" "the query has 3 columns but 2 are expected"
expect "SET loch.delta.mergeSchema = true adds the query's extra columns" \
  "SET loch.delta.mergeSchema = true;
   INSERT INTO silver.big_orders SELECT 500 AS id, 2.0 AS amount, 'x' AS note;
   SELECT id, note FROM silver.big_orders WHERE note IS NOT NULL" \
  $'num_affected_rows,num_inserted_rows\n1,1\nid,note\n500,x'
expect "INSERT WITH SCHEMA EVOLUTION adds named columns" \
  "INSERT WITH SCHEMA EVOLUTION INTO silver.big_orders (id, amount, flag) VALUES (501, 1.0, true);
   SELECT id, flag FROM silver.big_orders WHERE flag" $'num_affected_rows,num_inserted_rows\n1,1\nid,flag\n501,true'
expect "CREATE TABLE on a path and delta.\`path\`" \
  "CREATE TABLE '$WORK/by_path' (k INT, v STRING); INSERT INTO delta.\`$WORK/by_path\` VALUES (1, 'a'); SELECT * FROM delta_scan('$WORK/by_path')" \
  $'num_affected_rows,num_inserted_rows\n1,1\nk,v\n1,a'
expect "deletion vectors in TBLPROPERTIES give a reader 3 / writer 7 protocol" \
  "CREATE TABLE gold.dv (id INT) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true');
   SELECT min_reader_version, min_writer_version, reader_features, list_contains(writer_features, 'deletionVectors') AS dv FROM (DESCRIBE DETAIL gold.dv)" \
  $'min_reader_version,min_writer_version,reader_features,dv\n3,7,[\'deletionVectors\'],true'
expect "column mapping: physical names in the files, logical names in SQL" \
  "CREATE TABLE gold.mapped (\`user id\` INT, name STRING) TBLPROPERTIES ('delta.columnMapping.mode' = 'name');
   INSERT INTO gold.mapped VALUES (1, 'x'); ALTER TABLE gold.mapped ADD COLUMNS (extra INT);
   INSERT INTO gold.mapped VALUES (2, 'y', 3); SELECT * FROM gold.mapped ORDER BY 1" \
  $'num_affected_rows,num_inserted_rows\n1,1\nnum_affected_rows,num_inserted_rows\n1,1\nuser id,name,extra\n1,x,\n2,y,3'
got=$(cd "$WORK" && "$(realpath "$LOCH")" sql --data-dir relative --format csv -c \
  "CREATE TABLE bronze.rel (a INT, b INT) PARTITIONED BY (a); INSERT INTO bronze.rel VALUES (1, 2); SELECT count(*) AS n FROM bronze.rel" 2>&1) || true
if [[ $got == $'num_affected_rows,num_inserted_rows\n1,1\nn\n1' ]]; then echo "ok - a relative --data-dir writes paths relative to the table"; else
  echo "FAIL - relative --data-dir: $got"; failures=$((failures + 1)); fi
expect_error "INSERT into a table that does not exist" \
  "INSERT INTO gold.nothing VALUES (1)" "no Delta table gold.nothing"
expect_error "USING another format is refused" \
  "CREATE TABLE gold.p (a INT) USING parquet" "USING DELTA"

# Every table written follows the writer requirements (checked by an
# independent replay of the JSON log, tests/lib/delta_log_check.py).
CHECKER="$(dirname "$0")/../lib/delta_log_check.py"
for table in "$WORK/lake/bronze/orders" "$WORK/lake/silver/big_orders" "$WORK/lake/gold/dv" "$WORK/lake/gold/mapped" "$WORK/by_path"; do
  check "the log of ${table#$WORK/} follows the writer requirements" python3 "$CHECKER" "$table"
done

# The active files (replayed from the JSON log by Python, independently of
# loch's reader) read by DuckDB's plain read_parquet give the same rows.
active_files() {  # active_files <table dir>: a DuckDB list literal of the live files
  python3 - "$1" <<'PY'
import json, os, sys, urllib.parse
root = sys.argv[1]
live = {}
log = os.path.join(root, "_delta_log")
for name in sorted(f for f in os.listdir(log) if f.endswith(".json") and not f.startswith(".")):
    for line in open(os.path.join(log, name)):
        action = json.loads(line)
        if "add" in action: live[action["add"]["path"]] = True
        if "remove" in action: live.pop(action["remove"]["path"], None)
print("[" + ",".join("'" + os.path.join(root, urllib.parse.unquote(p)) + "'" for p in live) + "]")
PY
}
BIG="$WORK/lake/silver/big_orders"
expect "read_parquet over the active files equals the Delta scan" \
  "SELECT count(*) AS n FROM (SELECT id, amount, note, flag FROM silver.big_orders EXCEPT ALL SELECT id, amount, note, flag FROM read_parquet($(active_files "$BIG"), union_by_name := true)) UNION ALL SELECT count(*) FROM read_parquet($(active_files "$BIG"))" \
  $'n\n0\n6'

# loch table check: clean on a table loch wrote, exit code 1 and one line
# per problem (file and version) on corrupted copies.
if out=$("$LOCH" table check "$WORK/lake/bronze/orders" 2>&1); then echo "ok - loch table check passes a written table"; else
  echo "FAIL - loch table check on a good table: $out"; failures=$((failures + 1)); fi
cp -r "$WORK/lake/bronze/orders" "$WORK/corrupt"
rm "$WORK/corrupt/_delta_log/00000000000000000002.json"
echo '{"add": not json' >> "$WORK/corrupt/_delta_log/00000000000000000003.json"
find "$WORK/corrupt" -path '*/_delta_log' -prune -o -name '*.parquet' -exec rm {} +
out=$("$LOCH" table check "$WORK/corrupt" 2>&1) && code=0 || code=$?
for text in "_delta_log/00000000000000000002.json (version 2): missing" \
            "_delta_log/00000000000000000003.json (version 3): line" "data file is missing"; do
  if [[ $code -eq 1 && $out == *"$text"* ]]; then echo "ok - loch table check reports: $text"; else
    echo "FAIL - loch table check (exit $code) should report: $text"; echo "$out"; failures=$((failures + 1)); fi
done

expect "DROP TABLE removes a lake table" \
  "DROP TABLE silver.big_orders; DROP TABLE IF EXISTS silver.big_orders; SELECT 1 AS done" $'done\n1'
check "the dropped table's directory is gone" test ! -e "$WORK/lake/silver/big_orders"

if [[ $failures -gt 0 ]]; then echo "$failures failed"; exit 1; fi
echo "all passed"
