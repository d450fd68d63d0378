#!/usr/bin/env bash
# Data contracts on topics (doc/registry-contracts.md) with a real client
# (librdkafka, tests/clients/contract_producer.c):
#   - policy dlq: 100,000 records, 1% written with a schema not registered
#     for the topic's subject -> exactly those 1,000 in orders.dlq with their
#     reasons, the 99,000 others in orders; loch dlq list / inspect;
#   - loch dlq replay before the fix re-queues them (nothing duplicated);
#     after registering the schema under orders-value it moves them back;
#     a second replay does nothing;
#   - policy reject: librdkafka's delivery reports carry INVALID_RECORD and
#     nothing reaches the topic or a DLQ.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")
R=(--registry-url "$REGISTRY")

source "$TESTS_LIB/contract_schemas.sh"
good_id=$(register orders-value "$v1")
bad_id=$(register elsewhere-value "$v2")
expect_eq "two schemas" "$([ -n "$good_id" ] && [ -n "$bad_id" ] && [ "$good_id" != "$bad_id" ] && echo ok)" "ok"

"$LOCH" topic create orders -p 3 --config confluent.value.schema.validation=true \
  --config loch.contract.policy=dlq "${B[@]}" >/dev/null
out=$("$CLIENTS/contract_producer" "$KAFKA" orders 100000 "$good_id" "$bad_id" 100 lz4) || fail "dlq produce: $out"
expect_eq "every record acknowledged under dlq" "$out" "delivered 100000 failed 0"

expect_contains "99% in the topic" "$("$LOCH" topic describe orders "${B[@]}")" "records: 99000"
expect_contains "1% in the DLQ" "$("$LOCH" topic describe orders.dlq "${B[@]}")" "records: 1000"
reason="value: schema id $bad_id is not registered under subject 'orders-value'"
expect_eq "dlq list counts by reason" "$("$LOCH" dlq list orders "${B[@]}")" \
  "$(printf 'orders.dlq: 1000 record(s) to replay (offsets 0 to 1000)\n1000\t%s' "$reason")"

# Exactly the bad records, each with its headers.
expect_eq "dlq inspect: exactly the bad ones" "$("$LOCH" dlq inspect orders "${B[@]}" | python3 -c '
import json, sys
keys = set()
for line in sys.stdin:
    r = json.loads(line)
    h = r["headers"]
    assert h["loch.dlq.topic"] == "orders", h
    assert h["loch.dlq.partition"] in ("0", "1", "2"), h
    assert h["loch.dlq.schema.id"] == sys.argv[1], h
    assert int(h["loch.dlq.time"]) > 0 and "loch.dlq.batch.index" in h, h
    assert "not registered under subject" in h["loch.dlq.reason"], h
    keys.add(r["key"])
print(len(keys), keys == {"k%d" % i for i in range(0, 100000, 100)})' "$bad_id")" "1000 True"
expect_eq "inspect -n" "$("$LOCH" dlq inspect orders -n 3 "${B[@]}" | wc -l)" "3"
expect_eq "the topic holds none of them" "$("$LOCH" consume orders --from-beginning --format json "${B[@]}" | python3 -c '
import json, sys
keys = [json.loads(l)["key"] for l in sys.stdin]
print(len(keys), len(set(keys)), sum(1 for k in keys if int(k[1:]) % 100 == 0))')" "99000 99000 0"

# Replay before the fix: all still fail, re-queued once at the DLQ's end.
expect_eq "replay before the fix" "$("$LOCH" dlq replay orders "${B[@]}" "${R[@]}")" \
  "$(printf 'replayed 0 record(s) to orders, still failing 1000 (re-queued in orders.dlq)\n1000\t%s' "$reason")"
expect_eq "re-queued, not duplicated" "$("$LOCH" dlq list orders "${B[@]}" | head -1)" \
  "orders.dlq: 1000 record(s) to replay (offsets 1000 to 2000)"

# The fix: v2 (a compatible change) registered for orders-value keeps its global id.
expect_eq "v2 under orders-value keeps its id" "$(register orders-value "$v2")" "$bad_id"
expect_eq "replay after the fix" "$("$LOCH" dlq replay orders "${B[@]}" "${R[@]}")" \
  "replayed 1000 record(s) to orders, still failing 0 (re-queued in orders.dlq)"
expect_contains "all 100,000 in the topic" "$("$LOCH" topic describe orders "${B[@]}")" "records: 100000"
expect_eq "nothing left to replay" "$("$LOCH" dlq list orders "${B[@]}")" \
  "orders.dlq: 0 record(s) to replay (offsets 2000 to 2000)"
expect_eq "a second replay sends nothing" "$("$LOCH" dlq replay orders "${B[@]}" "${R[@]}")" \
  "replayed 0 record(s) to orders, still failing 0 (re-queued in orders.dlq)"
expect_eq "no record twice after the replays" "$("$LOCH" consume orders --from-beginning --format json "${B[@]}" | python3 -c '
import json, sys
keys = [json.loads(l)["key"] for l in sys.stdin]
print(len(keys), len(set(keys)))')" "100000 100000"

# Policy reject: librdkafka sees INVALID_RECORD; nothing is appended anywhere.
# Every record is bad: how librdkafka cuts ten records into batches depends
# on timing (under load they were split, and batches of good records alone
# were appended: "records: 8"), so a mixed run could not say "nothing". That
# a bad record refuses the good ones of its batch is checked by
# ContractEnforcerTest.RejectPolicyNamesEveryBadRecordAndDivertsNothing.
"$LOCH" topic create strict --config confluent.value.schema.validation=true "${B[@]}" >/dev/null
expect_eq "v1 under strict-value keeps its id" "$(register strict-value "$v1")" "$good_id"
set +e
out=$("$CLIENTS/contract_producer" "$KAFKA" strict 10 "$good_id" 999 1)
code=$?
set -e
expect_eq "reject: the producer fails" "$code" "1"
expect_contains "reject: INVALID_RECORD" "$out" "error INVALID_RECORD"
expect_contains "reject: nothing appended" "$("$LOCH" topic describe strict "${B[@]}")" "records: 0"
expect_contains "reject: the broker says which record and why" "$(cat "$SERVE_LOG")" \
  "record 0: value: schema id 999 is unknown to the registry"
expect_eq "reject: good records pass" "$("$CLIENTS/contract_producer" "$KAFKA" strict 50 "$good_id" 0 0)" \
  "delivered 50 failed 0"
set +e
"$LOCH" dlq list strict "${B[@]}" 2>"$WORK/nodlq"
expect_eq "reject: no DLQ" "$?" "1"
set -e
expect_contains "reject: no DLQ message" "$(cat "$WORK/nodlq")" "no dead-letter topic strict.dlq"

stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
finish
