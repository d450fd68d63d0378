-- A sample shop: 2,000 customers and 200,000 orders over 90 days, written as
-- Parquet and CSV files under the data directory's landing/ folder, the way
-- a batch source would drop them. The data is random but reproducible.
select setseed(0.42);

copy (
  select
    i as customer_id,
    'customer_' || i as name,
    (['FR', 'DE', 'ES', 'IT', 'NL', 'BE'])[1 + (hash(i) % 6)::integer] as country,
    date '2025-01-01' + (hash(i * 7) % 365)::integer as signup_date
  from range(1, 2001) t(i)
) to 'loch-data/landing/customers.csv' (header);

copy (
  select
    i as order_id,
    1 + (hash(i) % 2000)::integer as customer_id,
    (['books', 'games', 'garden', 'kitchen', 'music', 'sports'])[1 + (hash(i * 3) % 6)::integer] as category,
    timestamp '2026-08-01' + to_seconds((hash(i * 5) % (90 * 86400))::bigint) as ordered_at,
    1 + (hash(i * 11) % 5)::integer as quantity,
    round(2 + (hash(i * 13) % 9800) / 100.0, 2)::decimal(10, 2) as unit_price
  from range(1, 200001) t(i)
) to 'loch-data/landing/orders.parquet' (format parquet);
