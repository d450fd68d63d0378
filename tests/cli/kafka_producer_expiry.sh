#!/usr/bin/env bash
# producer.id.expiration.ms: an idempotent producer's per-partition sequence
# state is dropped once it has been idle that long (here 1 ms, checked at
# every maintenance run), and the partition then accepts the next idempotent
# producer as usual.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

start_serve "$WORK/data" --producer-id-expiration-ms 1 --maintenance-interval-ms 100
seq 1 20 | kcat -b "$KAFKA" -P -t expiry -p 0 -X enable.idempotence=true
expired=""
for _ in $(seq 1 100); do
  expired=$(grep -o 'the state of [0-9]* idle producer(s) expired' "$SERVE_LOG" | head -1 || true)
  [ -n "$expired" ] && break
  sleep 0.1
done
expect_eq "the idle producer's state expired" "$expired" "the state of 1 idle producer(s) expired"
seq 21 30 | kcat -b "$KAFKA" -P -t expiry -p 0 -X enable.idempotence=true
kcat -b "$KAFKA" -C -t expiry -p 0 -e -q -f '%s\n' >"$WORK/stored"
expect_eq "records stored after the expiry" "$(paste -sd, "$WORK/stored")" "$(seq 1 30 | paste -sd,)"
stop_serve TERM
finish
