#!/usr/bin/env bash
# Bronze file sizes: an append sink compacts a partition once it holds
# sink.compact_min_files small files, so many tiny micro-batches leave a
# bounded number of files, every (topic, partition, offset) exactly once.
# An event-time pipeline compacts too and restarts from the compaction's
# version (its state is checkpointed under that version first).
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
EXAMPLE="$REPO_ROOT/examples/streaming-first"
DATA="$WORK/data"
PROJECT="$WORK/project"

start_serve "$DATA"
cd "$WORK"
mkdir -p "$PROJECT/pipelines"
cp -r "$EXAMPLE/sql" "$PROJECT/"
# Tiny batches: 100 records each, compaction after 4 (bronze) / 3 (silver) small files.
sed -e 's/^  topic: shop.orders$/  topic: shop.orders\n  max_batch_records: 100/' \
  -e 's/^  partition_by: \[_ingested_date\]$/  partition_by: [_ingested_date]\n  compact_min_files: 4/' \
  "$EXAMPLE/pipelines/bronze_orders.yaml" >"$PROJECT/pipelines/bronze_orders.yaml"
sed -e 's/^  topic: shop.orders$/  topic: shop.orders\n  max_batch_records: 100/' \
  -e 's/^  partition_by: \[order_date\]$/  partition_by: [order_date]\n  compact_min_files: 3/' \
  "$EXAMPLE/pipelines/silver_orders.yaml" >"$PROJECT/pipelines/silver_orders.yaml"
# The same silver pipeline without compaction, to compare with.
sed -e 's/compact_min_files: 3/compact_min_files: 0/' -e 's/^  table: silver.orders$/  table: silver.orders_plain/' \
  "$PROJECT/pipelines/silver_orders.yaml" >"$PROJECT/pipelines/silver_orders_plain.yaml"
grep -q "compact_min_files: 4" "$PROJECT/pipelines/bronze_orders.yaml" || fail "bronze definition not rewritten"
grep -q "compact_min_files: 3" "$PROJECT/pipelines/silver_orders.yaml" || fail "silver definition not rewritten"

"$LOCH" generate --bootstrap "$KAFKA" --count 8000 --seed 11 --customers 30 --events-per-second 20 \
  --late-fraction 0.02 --duplicate-fraction 0.03 --reference events.parquet >/dev/null

run() { "$LOCH" pipeline run "$@" --project "$PROJECT" --trigger available-now --bootstrap "$KAFKA" --data-dir "$DATA"; }
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
ref() { sql "select $1 from 'events.parquet' where topic = 'shop.orders'"; }
operations() { cat "$DATA/lake/$1/_delta_log/"*.json | grep -o '"operation":"[A-Z ]*"' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }

out=$(run bronze_orders silver_orders silver_orders_plain)
batches=$(printf '%s\n' "$out" | grep -c '^bronze_orders batch=' || true)
[ "$batches" -ge 10 ] || fail "expected many tiny bronze batches, got $batches"
orders=$(ref "count(*)")
expect_eq "bronze: every order record, each offset once" \
  "$(sql "select count(*) || ' ' || count(distinct (_topic, _partition, _offset)) from bronze.orders")" "$orders $orders"
expect_contains "bronze was compacted" "$(operations bronze/orders)" '"operation":"OPTIMIZE"'
expect_eq "bronze: at most 4 files in its one partition" \
  "$(sql "select num_files <= 4 from (describe detail bronze.orders)")" "true"
expect_contains "silver was compacted" "$(operations silver/orders)" '"operation":"OPTIMIZE"'
first=$(ref "count(*) filter (where not late and not duplicate)")
expect_eq "silver: on-time first orders, each once" \
  "$(sql "select count(*) || ' ' || count(distinct order_id) from silver.orders")" "$first $first"

# Silver again from a restart: more orders, the state restored at the table's
# version, whatever the last commit was (an append or a compaction); the
# result is that of the same pipeline without compaction.
"$LOCH" generate --bootstrap "$KAFKA" --count 4000 --seed 12 --customers 30 --events-per-second 20 \
  --start-time 2026-01-01T03:00:00Z >/dev/null
out=$(run bronze_orders silver_orders silver_orders_plain)
expect_contains "the restart runs silver" "$out" "silver_orders stopped"
expect_eq "bronze after the restart: each offset once, none missing" \
  "$(sql "select count(*) = count(distinct (_partition, _offset)) and count(*) =
          (select sum(m) from (select max(_offset) + 1 as m from bronze.orders group by _partition)) from bronze.orders")" "true"
expect_eq "silver with compaction and restarts equals silver without" \
  "$(sql "select (select count(*) from silver.orders) || ' ' || (select count(*) from silver.orders_plain) || ' ' ||
          (select count(*) from (select * from silver.orders except all select * from silver.orders_plain))")" \
  "$(sql "select count(*) from silver.orders_plain") $(sql "select count(*) from silver.orders_plain") 0"
expect_contains "silver was compacted again" "$(operations silver/orders)" '"operation":"OPTIMIZE"'

stop_serve
finish
