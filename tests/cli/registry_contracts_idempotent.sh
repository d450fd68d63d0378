#!/usr/bin/env bash
# Data contract with policy dlq and an idempotent producer (librdkafka,
# enable.idempotence=true, tests/clients/contract_producer.c) sending 30,000
# records per round, 1% of them bad, through a proxy that cuts every connection every
# 100 ms so that batches are retried (tests/lib/cutting_proxy.py). The
# broker rebuilds each batch with a bad record keeping its sequence range
# (doc/registry-contracts.md): the producer sees no sequence error, the
# retries are answered as duplicates and divert nothing twice. Expected:
# exactly the 300 bad records in <topic>.dlq, once each; the 29,700 others
# in the topic, once each, in the order sent per partition.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

# The topic and schemas first, through a broker advertising its own port.
start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")
source "$TESTS_LIB/contract_schemas.sh"
bad_id=$(register elsewhere-value "$v2")
# Up to five rounds, one topic each: a round whose cuts happened to make no
# batch retried proves nothing, so another runs (a loaded machine can be
# that slow or that lucky).
for round in 1 2 3 4 5; do
  good_id=$(register "orders$round-value" "$v1")
  "$LOCH" topic create "orders$round" -p 3 --config confluent.value.schema.validation=true \
    --config loch.contract.policy=dlq "${B[@]}" >/dev/null
done
stop_serve TERM

# Then the producer through the proxy: clients learn its port from Metadata,
# so every connection, not only the bootstrap one, goes through it.
proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_serve "$WORK/data" --auto-create-topics false --advertised-port "$proxy_port"
python3 "$TESTS_LIB/cutting_proxy.py" "$proxy_port" "$KAFKA" 100 25 >"$WORK/proxy.out" &
proxy=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/proxy.out" && break; sleep 0.05; done
rounds=0
for round in 1 2 3 4 5; do
  rounds=$round
  set +e
  out=$("$CLIENTS/contract_producer" "127.0.0.1:$proxy_port" "orders$round" 30000 "$good_id" "$bad_id" 100 lz4 all \
    idempotent 2>"$WORK/producer.err")
  producer_exit=$?
  set -e
  expect_eq "round $round: every record acknowledged, no sequence error" "$out" "delivered 30000 failed 0"
  expect_eq "round $round: producer exit" "$producer_exit" "0"
  duplicates=$(grep -c 'duplicate batch' "$SERVE_LOG" || true)
  [ "$duplicates" -gt 0 ] && break
done
kill -TERM "$proxy"
wait "$proxy" || true
cuts=$(grep -o 'cuts [0-9]*' "$WORK/proxy.out" | cut -d' ' -f2)
echo "$rounds round(s); proxy cut $cuts connections; $duplicates retried batches were answered from the producer state"
checks=$((checks + 1))
[ "$duplicates" -gt 0 ] || fail "no retried batch reached the broker in $rounds rounds (the proxy cut too rarely to test anything)"

# Read back through a broker advertising its own port.
stop_serve TERM
start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")
for round in $(seq 1 "$rounds"); do
  expect_eq "round $round: the topic holds each good record once, in order per partition, no bad one" \
    "$("$LOCH" consume "orders$round" --from-beginning --format json "${B[@]}" | python3 -c '
import json, sys
last = {}
keys, disorder = [], 0
for line in sys.stdin:
    r = json.loads(line)
    k = int(r["key"][1:])
    if r["partition"] in last and k < last[r["partition"]]: disorder += 1
    last[r["partition"]] = k
    keys.append(k)
print(len(keys), len(set(keys)), sum(1 for k in keys if k % 100 == 0), disorder)')" "29700 29700 0 0"
  expect_eq "round $round: the DLQ holds exactly the bad records, once each" \
    "$("$LOCH" dlq inspect "orders$round" "${B[@]}" | python3 -c '
import json, sys
keys = []
for line in sys.stdin:
    r = json.loads(line)
    assert r["headers"]["loch.dlq.schema.id"] == sys.argv[1], r["headers"]
    keys.append(r["key"])
print(len(keys), set(keys) == {"k%d" % i for i in range(0, 30000, 100)})' "$bad_id")" "300 True"
done
stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
finish
