#!/usr/bin/env bash
# loch's own Kafka client commands against loch serve: topic administration,
# produce with keys and headers, consume from the beginning, an offset or a
# time, in text and JSON.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")

expect_eq "create" "$("$LOCH" topic create orders -p 3 --config retention.ms=3600000 "${B[@]}")" \
  "Created topic orders with 3 partition(s)"
# Internal topics (__consumer_offsets, _schemas) are listed too, as kafka-topics does.
expect_eq "list" "$("$LOCH" topic list "${B[@]}" | grep -v '^_')" "orders"
set +e
"$LOCH" topic create orders "${B[@]}" 2>"$WORK/err"
expect_eq "create twice fails" "$?" "1"
"$LOCH" topic create replicated -r 3 "${B[@]}" 2>"$WORK/err3"
set -e
expect_contains "already exists" "$(cat "$WORK/err")" "TOPIC_ALREADY_EXISTS"
expect_contains "replication refused with a pointer to clusters" "$(cat "$WORK/err3")" "Apache Kafka or Redpanda"

# 30 keyed records: a key always lands on the same partition.
seq 1 30 | sed 's/^\(.*\)$/k\1,v\1/' | "$LOCH" produce orders -K , -H origin=test "${B[@]}" 2>"$WORK/produced"
expect_contains "produce count" "$(cat "$WORK/produced")" "Produced 30 of 30 record(s) to orders"
expect_eq "consume all" "$("$LOCH" consume orders --from-beginning "${B[@]}" | sort -V | tr '\n' ' ')" \
  "$(seq 1 30 | sed 's/^/v/' | tr '\n' ' ')"
expect_eq "keys stay on their partition" \
  "$("$LOCH" consume orders --from-beginning --format json "${B[@]}" | python3 -c '
import json, sys
seen = {}
for line in sys.stdin:
    r = json.loads(line)
    assert r["headers"] == {"origin": "test"}, r
    seen.setdefault(r["key"], set()).add(r["partition"])
print(len(seen), all(len(p) == 1 for p in seen.values()))')" "30 True"

describe=$("$LOCH" topic describe orders "${B[@]}")
expect_contains "describe counts records" "$describe" "partitions: 3  records: 30"
expect_contains "describe shows the override" "$describe" "* retention.ms=3600000"

# Positions: --offset on every partition, --from-time, -n.
expect_eq "offset past the end" "$("$LOCH" consume orders --offset 1000 "${B[@]}" | wc -l)" "0"
expect_eq "from an old time: everything" "$("$LOCH" consume orders --from-time 2020-01-01 "${B[@]}" | wc -l)" "30"
expect_eq "from a future time: nothing" "$("$LOCH" consume orders --from-time 2099-01-01T00:00:00Z "${B[@]}" | wc -l)" "0"
expect_eq "max records" "$("$LOCH" consume orders --from-beginning -n 5 "${B[@]}" | wc -l)" "5"

# Alter: grow partitions, set and remove settings.
"$LOCH" topic alter orders -p 4 --config cleanup.policy=compact --delete-config retention.ms "${B[@]}" >/dev/null
describe=$("$LOCH" topic describe orders "${B[@]}")
expect_contains "grown" "$describe" "partitions: 4"
expect_contains "compact set" "$describe" "* cleanup.policy=compact"
case "$describe" in *"* retention.ms"*) fail "retention.ms override not removed" ;; esac

# Errors name the topic; an unknown topic is not created by reading it.
set +e
"$LOCH" consume missing --from-beginning "${B[@]}" 2>"$WORK/err"
code=$?
set -e
expect_eq "unknown topic exit" "$code" "1"
expect_contains "unknown topic message" "$(cat "$WORK/err")" "topic missing does not exist"

"$LOCH" topic delete orders "${B[@]}" >/dev/null
expect_eq "deleted" "$("$LOCH" topic list "${B[@]}" | grep -v '^_' || true)" ""
stop_serve TERM

# An unreachable cluster is one clear error, not a flood of retries.
set +e
"$LOCH" topic list -b 127.0.0.1:1 --timeout-ms 1000 >/dev/null 2>"$WORK/err"
code=$?
set -e
expect_eq "unreachable exit" "$code" "1"
expect_eq "unreachable: one line" "$(wc -l <"$WORK/err")" "1"
finish
