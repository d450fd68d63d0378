-- Does gold.revenue_per_minute equal reference.sql's answer? Run with the
-- lake attached (loch sql --data-dir DIR) in the directory holding the
-- generator's reference file events.parquet. Only the minutes gold has
-- closed are compared: a minute is final once the watermark (newest event
-- time - 30 s lateness) has passed its end, so the last minute or two of an
-- available-now run are still open, and come out with later events.
with gold as (
  select category, epoch(window_start) as window_start, round(revenue, 2) as revenue, orders, buyers
  from gold.revenue_per_minute
),
reference as (
  select json_extract_string(value, '$.category') as category,
         epoch(time_bucket(interval 1 minute, make_timestamp(event_time_ms * 1000))) as window_start,
         round(sum(cast(json_extract(value, '$.amount') as double)), 2) as revenue,
         count(*) as orders,
         count(distinct json_extract(value, '$.customer_id')) as buyers
  from 'events.parquet'
  where topic = 'shop.orders' and not late and not duplicate
  group by all
),
closed as (
  select * from reference where window_start <= (select max(window_start) from gold)
),
counts as (
  select (select count(*) from gold) as gold_rows,
         (select count(*) from closed) as reference_rows,
         (select count(*) from (select * from gold except all select * from closed)) as only_in_gold,
         (select count(*) from (select * from closed except all select * from gold)) as only_in_reference
)
select *,
       case when only_in_gold = 0 and only_in_reference = 0 and gold_rows > 0 then 'gold equals reference'
            else 'GOLD DIFFERS FROM REFERENCE' end as verdict
from counts;
