#!/usr/bin/env bash
# `loch sql` as a user runs it: -c, -f, stdin, formats, errors, configuration.
source "$(dirname "$0")/../lib/assert.sh"

# --version and --help tell the truth.
expect_contains "version" "$("$LOCH" --version)" "loch 0.1.0 (DuckDB v1.4.4)"
expect_contains "help lists sql" "$("$LOCH" --help)" "sql "
expect_contains "sql help shows data-dir default" "$("$LOCH" sql --help)" "--data-dir TEXT=./loch-data"

# -c with CSV prints exactly the header and the value.
expect_eq "csv answer" "$("$LOCH" sql -c "select 42 as answer" --format csv)" "answer
42"

# stdin, JSON: one valid JSON array of 3 objects; jsonl: 3 lines.
json=$(echo "select * from range(3) t(i)" | "$LOCH" sql --format json)
expect_eq "json array" "$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin))')" \
  "[{'i': 0}, {'i': 1}, {'i': 2}]"
jsonl=$(echo "select * from range(3) t(i)" | "$LOCH" sql --format jsonl)
expect_eq "jsonl lines" "$(echo "$jsonl" | wc -l)" "3"
expect_eq "jsonl each line parses" \
  "$(echo "$jsonl" | python3 -c 'import json,sys; print([json.loads(l)["i"] for l in sys.stdin])')" "[0, 1, 2]"
expect_eq "empty json result" "$("$LOCH" sql -c "select 1 as x where false" --format json)" "[]"

# Table output draws boxes with the column name and type.
table=$("$LOCH" sql -c "select 1 as n, 'a' as s")
expect_contains "table box" "$table" "┌"
expect_contains "table header" "$table" "│ n       │ s       │"
expect_contains "table types" "$table" "│ integer │ varchar │"

# A long result is shortened to 40 rows with the count below.
long=$("$LOCH" sql -c "select * from range(1000)")
expect_contains "long table count" "$long" "1000 rows (40 shown)"

# CSV quoting and NULL.
expect_eq "csv quoting" "$("$LOCH" sql -c "select 'a,b' as x, null as y, 'say \"hi\"' as z" --format csv)" 'x,y,z
"a,b",,"say ""hi"""'

# Errors: DuckDB's message on stderr, non-zero exit, nothing on stdout.
set +e
out=$("$LOCH" sql -c "select * from nope" 2>"$WORK/err")
code=$?
set -e
expect_eq "catalog error exit code" "$code" "1"
expect_eq "catalog error stdout" "$out" ""
expect_contains "catalog error message" "$(cat "$WORK/err")" "Catalog Error: Table with name nope does not exist"

# -f: several statements in order; stops at the first error with its line.
cat > "$WORK/f.sql" <<'SQL'
create table t as select 1 as x;
insert into t values (2);

-- the broken one is on line 5
select * from missing_table;
select 'never runs';
SQL
set +e
out=$("$LOCH" sql -f "$WORK/f.sql" --format csv 2>"$WORK/err")
code=$?
set -e
expect_eq "file error exit code" "$code" "1"
expect_contains "file error line" "$(cat "$WORK/err")" "f.sql:5:"
expect_contains "file error message" "$(cat "$WORK/err")" "missing_table"
case "$out" in *"never runs"*) fail "statements after the error ran" ;; esac

cat > "$WORK/ok.sql" <<'SQL'
create table t as select * from range(5) r(x);
insert into t values (10);
select sum(x) as total from t;
SQL
expect_eq "file of statements" "$("$LOCH" sql -f "$WORK/ok.sql" --format csv)" "total
20"

# Bad flag values are refused with a clear message.
set +e
"$LOCH" sql -c "select 1" --format xml >/dev/null 2>"$WORK/err"
code=$?
set -e
expect_eq "bad format exit" "$code" "105"
expect_contains "bad format message" "$(cat "$WORK/err")" "--format"

# Configuration precedence: flag > LOCH_* > loch.yaml > default.
mkdir -p "$WORK/cfg" && cd "$WORK/cfg"
printf 'data_dir: from-file\nsql:\n  format: csv\n' > loch.yaml
expect_eq "format from loch.yaml" "$("$LOCH" sql -c "select 7 as n")" "n
7"
[ -d from-file/lake/bronze ] || fail "data_dir from loch.yaml not used"
expect_eq "env beats file" "$(LOCH_SQL_FORMAT=jsonl "$LOCH" sql -c "select 7 as n")" '{"n":7}'
expect_eq "flag beats env" "$(LOCH_SQL_FORMAT=jsonl "$LOCH" sql -c "select 7 as n" --format json)" '[{"n":7}]'
LOCH_DATA_DIR=from-env "$LOCH" sql -c "select 1" >/dev/null
[ -d from-env/lake/silver ] || fail "LOCH_DATA_DIR not used"
"$LOCH" sql -c "select 1" --data-dir from-flag >/dev/null
[ -d from-flag/lake/gold ] || fail "--data-dir not used"
set +e
"$LOCH" sql -c "select 1" --config missing.yaml >/dev/null 2>"$WORK/err"
code=$?
set -e
expect_eq "missing config exit" "$code" "2"
expect_contains "missing config message" "$(cat "$WORK/err")" "missing.yaml"
cd "$WORK"

# Logs: JSON lines on stderr when asked.
LOCH_LOG_LEVEL=bogus "$LOCH" sql -c "select 1" >/dev/null 2>"$WORK/err" || true
expect_contains "bad log level" "$(cat "$WORK/err")" "unknown level 'bogus'"

finish
