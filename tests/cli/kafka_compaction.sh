#!/usr/bin/env bash
# Log compaction through the broker: a compacted topic keeps the last value of
# each key, at its original offset; tombstones vanish after
# delete.retention.ms; retention.ms removes old segments of a delete topic.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

start_serve "$WORK/data" --maintenance-interval-ms 200
B=(-b "$KAFKA")
"$LOCH" topic create keyed --config cleanup.policy=compact --config segment.bytes=2048 \
  --config delete.retention.ms=1000 "${B[@]}" >/dev/null

# 20 rounds over 10 keys, then tombstones for k0..k4.
for round in $(seq 1 20); do
  for key in $(seq 0 9); do echo "k$key:v$round"; done
done | kcat -b "$KAFKA" -P -t keyed -K: -X acks=all -X batch.num.messages=10
printf 'k0:\nk1:\nk2:\nk3:\nk4:\n' | kcat -b "$KAFKA" -P -t keyed -K: -Z -X acks=all
# Roll the active segment past the tombstones, so that they can be cleaned
# too (only segments behind the active one are compacted, as in Kafka).
for i in $(seq 1 120); do echo "filler$((i % 3)):x"; done |
  kcat -b "$KAFKA" -P -t keyed -K: -X acks=all -X batch.num.messages=10

# Wait for compaction and for the tombstones' delete.retention.ms to pass:
# then each key appears once, with its last value, and deleted keys not at all.
for _ in $(seq 1 150); do
  live=$(kcat -b "$KAFKA" -C -t keyed -e -q -f '%k=%s\n' | grep '^k' | sort)
  [ "$(echo "$live" | wc -l)" -eq 5 ] && break
  sleep 0.2
done
expect_eq "last value per key, deleted keys gone" "$live" "k5=v20
k6=v20
k7=v20
k8=v20
k9=v20"
# Offsets are preserved: k9's last value was the 200th record (offset 199).
expect_eq "offsets preserved" "$(kcat -b "$KAFKA" -C -t keyed -e -q -f '%k %o\n' | grep '^k9 ')" "k9 199"

# Retention: a delete topic with retention.ms drops whole old segments. The
# old records carry timestamps an hour back (kafka-python sets them), so
# they have expired as soon as they are written, while "fresh" (now) stays
# within the minute's retention however slow the machine: whether the
# newest record is kept does not depend on reading it in time.
"$LOCH" topic create old --config retention.ms=60000 --config segment.bytes=1024 "${B[@]}" >/dev/null
/usr/bin/python3 - "$KAFKA" <<'PY'
import sys, time
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1], acks="all", linger_ms=0)
hour_ago = int(time.time() * 1000) - 3600 * 1000
for i in range(1, 301):
    producer.send("old", value=b"record-%d" % i, timestamp_ms=hour_ago)
producer.flush()
producer.close()
PY
echo "fresh" | kcat -b "$KAFKA" -P -t old -X acks=all
for _ in $(seq 1 50); do
  start=$("$LOCH" topic describe old "${B[@]}" | awk '$1 == "0" {print $3}')
  [ "$start" -gt 0 ] && break
  sleep 0.2
done
checks=$((checks + 1))
[ "$start" -gt 0 ] || fail "retention.ms did not advance the log start offset"
# A read that starts while retention moves the log start may come back
# empty (its first offset was deleted under it): read again.
for _ in $(seq 1 25); do
  remaining=$(kcat -b "$KAFKA" -C -t old -e -q)
  [[ $remaining == *fresh* ]] && break
  sleep 0.2
done
expect_contains "newest record kept" "$remaining" "fresh"
stop_serve TERM
finish
