-- Analytical questions over the landed files.

-- Revenue and orders per category.
select category,
       count(*) as orders,
       sum(quantity * unit_price) as revenue,
       round(avg(quantity * unit_price), 2) as avg_basket
from 'loch-data/landing/orders.parquet'
group by category
order by revenue desc;

-- Revenue per country, joining orders to customers.
select c.country,
       count(distinct o.customer_id) as buyers,
       sum(o.quantity * o.unit_price) as revenue
from 'loch-data/landing/orders.parquet' o
join read_csv('loch-data/landing/customers.csv') c using (customer_id)
group by c.country
order by revenue desc;

-- Weekly trend with a 4-week moving average.
select date_trunc('week', ordered_at)::date as week,
       sum(quantity * unit_price) as revenue,
       round(avg(sum(quantity * unit_price)) over (order by week
             rows between 3 preceding and current row), 2) as moving_avg_4w
from 'loch-data/landing/orders.parquet'
group by week
order by week;

-- Top 5 customers by lifetime value.
select customer_id, count(*) as orders, sum(quantity * unit_price) as lifetime_value
from 'loch-data/landing/orders.parquet'
group by customer_id
order by lifetime_value desc, customer_id
limit 5;
