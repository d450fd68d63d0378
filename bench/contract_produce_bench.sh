#!/usr/bin/env bash
# Produce throughput with a data contract (doc/registry-contracts.md) against
# the same records without one, in the same run, on the same loch serve:
#   plain     a topic without contract
#   contract  confluent.value.schema.validation=true, loch.contract.policy=dlq,
#             every record valid (Avro, checked and decoded by the broker)
#   contract+1%  the same with 1% of records diverted to the DLQ (batches rebuilt)
# librdkafka (tests/clients/contract_producer) with acks=1 and lz4, rounds
# alternated, best round of each. Prints records/s and ratios to plain
# (issue 8 asks >= 0.8).
# Usage: contract_produce_bench.sh LOCH CONTRACT_PRODUCER [RECORDS] [ROUNDS]
set -euo pipefail
loch=$1
producer=$2
records=${3:-500000}
rounds=${4:-3}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$loch" serve --data-dir "$work/data" --kafka-host 127.0.0.1 --kafka-port 0 --advertised-host 127.0.0.1 \
  --registry-host 127.0.0.1 --registry-port 0 --http-port 0 --log-level info >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do
  port=$(grep -o 'kafka: listening on 127.0.0.1:[0-9]*' "$work/serve.log" | cut -d: -f3 || true)
  [ -n "$port" ] && break
  sleep 0.05
done
registry_port=$(grep -o 'registry: listening on 127.0.0.1:[0-9]*' "$work/serve.log" | cut -d: -f3)
kafka=127.0.0.1:$port
registry=http://127.0.0.1:$registry_port
v1='{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}'
v2='{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}'
register() { "$loch" schema register "$1" --schema "$2" --registry-url "$registry" | grep -o 'schema id [0-9]*' | cut -d' ' -f3; }

best_plain=0 best_contract=0 best_dlq=0
rate() {  # rate TOPIC BAD_EVERY -> records/s
  local start end
  start=$(date +%s.%N)
  "$producer" "$kafka" "$1" "$records" "$good" "$bad" "$2" lz4 1 >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(int($records / ($end - $start)))"
}
max() { python3 -c "print(max($1, $2))"; }

for round in $(seq 1 "$rounds"); do
  # Fresh topics each round, so that every run appends to an empty log.
  for t in plain contract dlq; do
    "$loch" topic delete "$t-$round" -b "$kafka" >/dev/null 2>&1 || true
  done
  "$loch" topic create "plain-$round" -b "$kafka" >/dev/null
  "$loch" topic create "contract-$round" -b "$kafka" --config confluent.value.schema.validation=true \
    --config loch.contract.policy=dlq >/dev/null
  "$loch" topic create "dlq-$round" -b "$kafka" --config confluent.value.schema.validation=true \
    --config loch.contract.policy=dlq >/dev/null
  good=$(register "contract-$round-value" "$v1")
  register "dlq-$round-value" "$v1" >/dev/null
  bad=$(register "elsewhere-value" "$v2")
  best_plain=$(max "$best_plain" "$(rate "plain-$round" 0)")
  best_contract=$(max "$best_contract" "$(rate "contract-$round" 0)")
  best_dlq=$(max "$best_dlq" "$(rate "dlq-$round" 100)")
done
echo "contract_produce_bench: $records records (Avro, ~30 bytes), acks=1, lz4, best of $rounds rounds"
python3 - "$best_plain" "$best_contract" "$best_dlq" <<'PY'
import sys
plain, contract, dlq = map(float, sys.argv[1:])
print(f"  plain                  {plain:12.0f} records/s")
print(f"  contract (all valid)   {contract:12.0f} records/s  ratio {contract / plain:.3f}")
print(f"  contract, 1% to DLQ    {dlq:12.0f} records/s  ratio {dlq / plain:.3f}")
PY
