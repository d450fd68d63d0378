#!/usr/bin/env bash
# Starts loch serve on a scratch data directory and runs
# kafka_produce_bench against it.
# Usage: kafka_broker_bench.sh LOCH BENCH [RECORDS [exactly-once ROUNDS]]
set -euo pipefail
loch=$1
bench=$2
records=${3:-2000000}
shift $(( $# < 3 ? $# : 3 ))
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$loch" serve --data-dir "$work/data" --kafka-host 127.0.0.1 --kafka-port 0 --advertised-host 127.0.0.1 --http-port 0 \
  --log-level info >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/serve.log" | cut -d: -f2 || true)
  [ -n "$port" ] && break
  sleep 0.05
done
"$bench" "127.0.0.1:$port" "$records" "$@"
