-- What gold.revenue_per_minute must hold, computed with plain DuckDB SQL from
-- the reference file `loch generate --reference events.parquet` wrote:
-- on-time (not late), first occurrences (not duplicates) of each order.
select json_extract_string(value, '$.category') as category,
       time_bucket(interval 1 minute, make_timestamp(event_time_ms * 1000)) as window_start,
       round(sum(cast(json_extract(value, '$.amount') as double)), 2) as revenue,
       count(*) as orders,
       count(distinct json_extract(value, '$.customer_id')) as buyers
from 'events.parquet'
where topic = 'shop.orders' and not late and not duplicate
group by all
order by window_start, category;
