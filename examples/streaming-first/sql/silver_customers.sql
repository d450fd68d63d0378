-- Runs on each micro-batch of Debezium changes (_op: c, u, d, r, t for a tombstone).
-- The sink applies them per id in source order (_lsn, then _offset).
select id, email, tier, city, _op, _lsn, _source_ts_ms, _offset
from batch
