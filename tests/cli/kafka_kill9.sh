#!/usr/bin/env bash
# kill -9 while a librdkafka producer sends with acks=all: after a restart,
# every acknowledged record is at the offset it was acknowledged with, the
# offsets are contiguous from 0, and the log recovers without corruption.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

for round in 1 2 3; do
  start_serve "$WORK/data"
  "$CLIENTS/acked_producer" "$KAFKA" durable 200000 >"$WORK/acked-$round" 2>"$WORK/producer-$round.err" &
  producer=$!
  # Kill the broker once some records are acknowledged, mid-stream.
  for _ in $(seq 1 400); do
    [ "$(wc -l <"$WORK/acked-$round")" -gt $((round * 2000)) ] && break
    sleep 0.02
  done
  stop_serve KILL
  set +e
  wait "$producer"
  set -e
done

start_serve "$WORK/data"
kcat -b "$KAFKA" -C -t durable -e -q -f '%o %s\n' >"$WORK/stored"
stop_serve TERM

acked=$(cat "$WORK"/acked-* | sort -u | wc -l)
checks=$((checks + 1))
[ "$acked" -gt 0 ] || fail "no record was acknowledged before the kills"
# Every acknowledged (offset, value) pair is stored as acknowledged.
missing=$(cat "$WORK"/acked-* | sort -u | comm -23 - <(sort -u "$WORK/stored") | wc -l)
expect_eq "acknowledged records missing after kill -9 ($acked acknowledged)" "$missing" "0"
# Offsets are 0..n-1 with no gap and no duplicate.
expect_eq "contiguous offsets" "$(cut -d' ' -f1 "$WORK/stored" | awk 'BEGIN{n=0} $1!=n{print "gap at " n; exit} {n++} END{}')" ""
expect_contains "recovery ran" "$(cat "$WORK"/serve-*.log)" "listening on"
finish
