#!/usr/bin/env bash
# emit: updates with a NULL group value: as in SQL's GROUP BY, the events
# without a category are one group per window, whose gold row is upserted
# like any other (the merge sink matches NULL keys to each other for window
# upserts), across runs; emit: final gives the same rows.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"
DATA="$WORK/data"
PROJECT="$WORK/project"
mkdir -p "$PROJECT/pipelines"
start_serve "$DATA"
cd "$WORK"
"$LOCH" topic create sales -p 1 --bootstrap "$KAFKA" >/dev/null

for emit in updates final; do
  cat >"$PROJECT/pipelines/gold_sales_$emit.yaml" <<YAML
source:
  topic: sales
format:
  type: jsonl
  columns:
    category: VARCHAR
    amount: DOUBLE
    sold_at: TIMESTAMPTZ
sink:
  table: gold.sales_$emit
trigger: available-now
options:
  event_time: sold_at
  window: {type: tumbling, size: 1m}
  group_by: [category]
  aggregates:
    revenue: sum(amount)
    sales: count(*)
  emit: $emit
YAML
done

run() { "$LOCH" pipeline run gold_sales_updates gold_sales_final --project "$PROJECT" --bootstrap "$KAFKA" --data-dir "$DATA"; }
sql() { "$LOCH" sql --data-dir "$DATA" --format csv -c "$1" | tail -n +2; }
rows() {
  sql "select string_agg(coalesce(category, 'NULL') || '@' || strftime(window_start, '%H:%M') || '=' || sales || '/' || revenue,
         ' ' order by window_start, category nulls first) from gold.sales_$1"
}

printf '%s\n' '{"category": "books", "amount": 10, "sold_at": "2026-01-01T00:00:05Z"}' \
  '{"amount": 1, "sold_at": "2026-01-01T00:00:10Z"}' \
  '{"category": null, "amount": 2, "sold_at": "2026-01-01T00:00:20Z"}' \
  '{"category": "books", "amount": 5, "sold_at": "2026-01-01T00:00:30Z"}' |
  "$LOCH" produce sales --bootstrap "$KAFKA" >/dev/null
run >/dev/null
expect_eq "updates: the open window's NULL group is a row of its own" "$(rows updates)" "NULL@00:00=2/3.0 books@00:00=2/15.0"

# More sales in the same minute, with no category: the NULL group's row is updated, not added again.
printf '%s\n' '{"amount": 4, "sold_at": "2026-01-01T00:00:40Z"}' \
  '{"category": "toys", "amount": 7, "sold_at": "2026-01-01T00:00:50Z"}' \
  '{"amount": 8, "sold_at": "2026-01-01T00:01:10Z"}' \
  '{"category": "books", "amount": 1, "sold_at": "2026-01-01T00:05:00Z"}' |
  "$LOCH" produce sales --bootstrap "$KAFKA" >/dev/null
run >/dev/null
expect_eq "updates: one row per group and window, NULL included" "$(rows updates)" \
  "NULL@00:00=3/7.0 books@00:00=2/15.0 toys@00:00=1/7.0 NULL@00:01=1/8.0 books@00:05=1/1.0"
expect_eq "final: the closed windows, NULL included" "$(rows final)" \
  "NULL@00:00=3/7.0 books@00:00=2/15.0 toys@00:00=1/7.0 NULL@00:01=1/8.0"

stop_serve
finish
