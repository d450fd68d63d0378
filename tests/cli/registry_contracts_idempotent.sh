#!/usr/bin/env bash
# Data contract with policy dlq and an idempotent producer (librdkafka,
# enable.idempotence=true, tests/clients/contract_producer.c) sending 100,000
# records, 1% of them bad, through a proxy that cuts every connection every
# 40 ms so that batches are retried (tests/lib/cutting_proxy.py). The
# broker rebuilds each batch with a bad record keeping its sequence range
# (doc/registry-contracts.md): the producer sees no sequence error, the
# retries are answered as duplicates and divert nothing twice. Expected:
# exactly the 1,000 bad records in orders.dlq, once each; the 99,000 others
# in orders, once each, in the order sent per partition.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

# The topic and schemas first, through a broker advertising its own port.
start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")
R=(--registry-url "$REGISTRY")
v1='{"type":"record","name":"User","namespace":"loch.test","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}'
v2='{"type":"record","name":"User","namespace":"loch.test","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}'
register() {  # register SUBJECT SCHEMA -> prints the id
  "$LOCH" schema register "$1" --schema "$2" "${R[@]}" | grep -o 'schema id [0-9]*' | cut -d' ' -f3
}
good_id=$(register orders-value "$v1")
bad_id=$(register elsewhere-value "$v2")
"$LOCH" topic create orders -p 3 --config confluent.value.schema.validation=true \
  --config loch.contract.policy=dlq "${B[@]}" >/dev/null
stop_serve TERM

# Then the producer through the proxy: clients learn its port from Metadata,
# so every connection, not only the bootstrap one, goes through it.
proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_serve "$WORK/data" --auto-create-topics false --advertised-port "$proxy_port"
python3 "$TESTS_LIB/cutting_proxy.py" "$proxy_port" "$KAFKA" 40 >"$WORK/proxy.out" &
proxy=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/proxy.out" && break; sleep 0.05; done
set +e
out=$("$CLIENTS/contract_producer" "127.0.0.1:$proxy_port" orders 100000 "$good_id" "$bad_id" 100 lz4 all idempotent 2>"$WORK/producer.err")
producer_exit=$?
set -e
kill -TERM "$proxy"
wait "$proxy" || true
expect_eq "every record acknowledged, no sequence error" "$out" "delivered 100000 failed 0"
expect_eq "producer exit" "$producer_exit" "0"
cuts=$(grep -o 'cuts [0-9]*' "$WORK/proxy.out" | cut -d' ' -f2)
checks=$((checks + 1))
[ "${cuts:-0}" -gt 0 ] || fail "the proxy never cut a connection"

# Read back through a broker advertising its own port.
stop_serve TERM
start_serve "$WORK/data" --auto-create-topics false
B=(-b "$KAFKA")
expect_eq "the topic: each good record once, in order per partition, no bad one" \
  "$("$LOCH" consume orders --from-beginning --format json "${B[@]}" | python3 -c '
import json, sys
last = {}
keys, disorder = [], 0
for line in sys.stdin:
    r = json.loads(line)
    k = int(r["key"][1:])
    if r["partition"] in last and k < last[r["partition"]]: disorder += 1
    last[r["partition"]] = k
    keys.append(k)
print(len(keys), len(set(keys)), sum(1 for k in keys if k % 100 == 0), disorder)')" "99000 99000 0 0"
expect_eq "the DLQ: exactly the bad records, once each" "$("$LOCH" dlq inspect orders "${B[@]}" | python3 -c '
import json, sys
keys = []
for line in sys.stdin:
    r = json.loads(line)
    assert r["headers"]["loch.dlq.schema.id"] == sys.argv[1], r["headers"]
    keys.append(r["key"])
print(len(keys), set(keys) == {"k%d" % i for i in range(0, 100000, 100)})' "$bad_id")" "1000 True"
# The cuts did make the client retry batches the broker had already stored.
duplicates=$(grep -c 'duplicate batch' "$WORK"/serve-2.log || true)
echo "proxy cut $cuts connections; $duplicates retried batches were answered from the producer state"
checks=$((checks + 1))
[ "$duplicates" -gt 0 ] || fail "no retried batch reached the broker (the proxy cut too rarely to test anything)"
stop_serve TERM
expect_eq "clean exit" "$SERVE_EXIT" "0"
finish
