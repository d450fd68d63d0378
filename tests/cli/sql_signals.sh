#!/usr/bin/env bash
# SIGTERM / SIGINT stop a running query cleanly: no crash, a clear error, and
# an exit code that says the command was interrupted.
source "$(dirname "$0")/../lib/assert.sh"

for signal in TERM INT; do
  "$LOCH" sql -c "select count(*) from range(100000000000) a" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  sleep 1
  kill -"$signal" "$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  expect_eq "SIG$signal exit code" "$code" "130"
  expect_contains "SIG$signal interrupts the query" "$(cat "$WORK/err")" "INTERRUPT"
done

finish
