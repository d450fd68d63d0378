#!/usr/bin/env bash
# kcat (librdkafka) against `loch serve`: metadata, produce and consume with
# every codec, keys and headers, persistence across a restart, clean SIGTERM.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

start_serve "$WORK/data"

# Metadata: one broker that is the controller.
meta=$(kcat -b "$KAFKA" -L)
expect_contains "metadata broker" "$meta" "broker 1 at 127.0.0.1:${KAFKA#*:} (controller)"

# Every codec, with acks=all; the consumer reads them back in order.
for codec in none gzip snappy lz4 zstd; do
  seq 1 500 | sed "s/^/$codec-/" | kcat -b "$KAFKA" -P -t "codec-$codec" -z "$codec" -X acks=all
  got=$(kcat -b "$KAFKA" -C -t "codec-$codec" -e -q)
  expect_eq "$codec: all records, in order" "$(echo "$got" | wc -l) $(echo "$got" | head -1) $(echo "$got" | tail -1)" \
    "500 $codec-1 $codec-500"
done

# Keys and headers survive the trip; offsets start at 0 and are contiguous.
printf 'k1:v1\nk2:v2\nk3:v3\n' | kcat -b "$KAFKA" -P -t keyed -K: -H "source=test" -H "trace=abc"
expect_eq "keys, headers, offsets" "$(kcat -b "$KAFKA" -C -t keyed -e -q -f '%o %k=%s [%h]\n')" \
  "0 k1=v1 [source=test,trace=abc]
1 k2=v2 [source=test,trace=abc]
2 k3=v3 [source=test,trace=abc]"

# Reading from an offset and from the end.
expect_eq "consume from offset 1" "$(kcat -b "$KAFKA" -C -t keyed -o 1 -e -q -f '%s\n')" "v2
v3"
expect_eq "consume last record" "$(kcat -b "$KAFKA" -C -t keyed -o -1 -e -q -f '%s\n')" "v3"

# A record larger than max.message.bytes is refused with MESSAGE_TOO_LARGE.
kcat -b "$KAFKA" -P -t small -X topic.metadata.refresh.interval.ms=100 </dev/null || true
head -c 2000000 /dev/zero | tr '\0' 'x' > "$WORK/big"
set +e
kcat -b "$KAFKA" -P -t small -X message.max.bytes=3000000 -X acks=all "$WORK/big" 2>"$WORK/big.err"
set -e
expect_contains "oversized record refused" "$(cat "$WORK/big.err")" "too large"

# SIGTERM: flushes and exits 0; a restart sees every record.
stop_serve TERM
expect_eq "clean exit on SIGTERM" "$SERVE_EXIT" "0"
expect_contains "shutdown logged" "$(cat "$SERVE_LOG")" "stopped cleanly"
start_serve "$WORK/data"
expect_eq "records survive restart" "$(kcat -b "$KAFKA" -C -t codec-zstd -e -q | wc -l)" "500"
seq 1 10 | kcat -b "$KAFKA" -P -t keyed
expect_eq "offsets continue after restart" "$(kcat -b "$KAFKA" -C -t keyed -o -1 -e -q -f '%o\n')" "12"
stop_serve TERM

finish
