-- Runs on each micro-batch of Debezium changes (_op: c, u, d, r, t for a tombstone).
-- The sink applies them per id in source order (_lsn, then _source_ts_ms, then _offset);
-- _key is the record's key ({"id": ...}): a tombstone's id comes from it.
select id, email, tier, city, _op, _lsn, _source_ts_ms, _offset, _key
from batch
