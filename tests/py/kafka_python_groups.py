"""kafka-python 2.0 (Debian's python3-kafka) against `loch serve`.

python3 kafka_python_groups.py BROKER PHASE

kafka-python speaks the oldest versions of the group APIs that loch answers
(JoinGroup v0-2, OffsetCommit v2, OffsetFetch v1-3, FindCoordinator v0-1),
so this covers what librdkafka, kafkajs and Java no longer send.

phase "before-restart": a producer; a group member that reads every record
  and commits; the admin client lists and describes the group and its offsets.
phase "after-restart": the member resumes after its committed offsets.
Prints "ok <what>" per check; exits 1 at the first failure.
"""
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

broker, phase = sys.argv[1], sys.argv[2]
TOPIC = "py-orders"
GROUP = "py-group"


def ok(what):
    print(f"ok {what}", flush=True)


def produce(prefix, count):
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", client_id="loch-py-test")
    for i in range(count):
        producer.send(TOPIC, key=f"k{i}".encode(), value=f"{prefix}-{i}".encode())
    producer.flush()
    producer.close()


def consume(count):
    """Reads until `count` records and one quiet second, commits, leaves."""
    consumer = KafkaConsumer(TOPIC, bootstrap_servers=broker, group_id=GROUP, client_id="loch-py-test",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             session_timeout_ms=10000, heartbeat_interval_ms=1000)
    values = []
    deadline = time.time() + 30
    quiet_since = None
    while time.time() < deadline:
        batch = consumer.poll(timeout_ms=200)
        for records in batch.values():
            values.extend(r.value.decode() for r in records)
        if batch:
            quiet_since = None
        elif len(values) >= count:
            quiet_since = quiet_since or time.time()
            if time.time() - quiet_since > 1:
                break
    consumer.commit()
    committed = {tp.partition: consumer.committed(tp) for tp in consumer.assignment()}
    consumer.close()
    return values, committed


if phase == "before-restart":
    produce("a", 20)
    ok("producer")
    values, committed = consume(20)
    assert sorted(values) == sorted(f"a-{i}" for i in range(20)), values
    ok("group member read every record once")
    assert sum(committed.values()) == 20, committed
    ok("commit")
    admin = KafkaAdminClient(bootstrap_servers=broker, client_id="loch-py-test")
    groups = admin.list_consumer_groups()
    assert (GROUP, "consumer") in groups, groups
    ok("list_consumer_groups")
    described = admin.describe_consumer_groups([GROUP])[0]
    assert described.group == GROUP and described.state == "Empty", described
    ok("describe_consumer_groups")
    offsets = admin.list_consumer_group_offsets(GROUP)
    assert sum(meta.offset for meta in offsets.values()) == 20, offsets
    assert all(tp.topic == TOPIC for tp in offsets), offsets
    ok("list_consumer_group_offsets")
    admin.close()
elif phase == "after-restart":
    produce("b", 4)
    values, committed = consume(4)
    assert sorted(values) == sorted(f"b-{i}" for i in range(4)), values
    ok("group member resumed after its commit")
    assert sum(committed.values()) == 24, committed
    ok("commit after restart")
else:
    raise SystemExit(f"unknown phase {phase}")
