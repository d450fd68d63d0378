-- Runs on each micro-batch (table `batch`: the decoded, deduplicated, on-time orders).
select order_id, customer_id, product_id, category, quantity, unit_price, amount,
       ordered_at, cast(ordered_at as date) as order_date
from batch
where amount > 0 and quantity > 0
