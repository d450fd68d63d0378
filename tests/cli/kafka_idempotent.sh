#!/usr/bin/env bash
# Idempotent producer under connection drops: librdkafka with
# enable.idempotence=true sends 100,000 records through a proxy that cuts
# every connection every 100 ms (requests and answers lost in flight, so
# batches are retried). The partition must hold each record exactly once, in
# the order sent: the broker de-duplicated the retries and checked sequences.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Clients learn the proxy's port from Metadata, so every connection, not
# only the bootstrap one, goes through it.
start_serve "$WORK/data" --advertised-port "$proxy_port"
python3 "$TESTS_LIB/cutting_proxy.py" "$proxy_port" "$KAFKA" 100 25 >"$WORK/proxy.out" &
proxy=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/proxy.out" && break; sleep 0.05; done

set +e
"$CLIENTS/idempotent_producer" "127.0.0.1:$proxy_port" idem 100000 2>"$WORK/producer.err"
producer_exit=$?
set -e
kill -TERM "$proxy"
wait "$proxy" || true
expect_eq "idempotent producer acknowledged everything ($(tail -1 "$WORK/producer.err"))" "$producer_exit" "0"
cuts=$(grep -o 'cuts [0-9]*' "$WORK/proxy.out" | cut -d' ' -f2)
checks=$((checks + 1))
[ "${cuts:-0}" -gt 0 ] || fail "the proxy never cut a connection"

# Read back directly (a broker advertising its own port).
stop_serve TERM
start_serve "$WORK/data"
kcat -b "$KAFKA" -C -t idem -p 0 -e -q -f '%s\n' >"$WORK/stored"
stop_serve TERM
expect_eq "records stored" "$(wc -l <"$WORK/stored")" "100000"
expect_eq "each record once, in order" "$(awk '$0 != "record-" NR-1 {print "line " NR ": " $0; exit}' "$WORK/stored")" ""
# The cuts did make the client retry batches the broker had already stored:
# the de-duplication, not luck, kept the log clean.
duplicates=$(grep -c 'duplicate batch' "$WORK"/serve-1.log || true)
echo "proxy cut $cuts connections; $duplicates retried batches were answered from the producer state"
checks=$((checks + 1))
[ "$duplicates" -gt 0 ] || fail "no retried batch reached the broker (the proxy cut too rarely to test anything)"
finish
