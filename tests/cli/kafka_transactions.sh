#!/usr/bin/env bash
# Transactions with librdkafka (tests/clients/txn_client.c) against loch:
# - committed and aborted transactions interleaved: a read_committed
#   consumer sees exactly the committed records, in order; read_uncommitted
#   sees both;
# - consume-transform-produce with send_offsets_to_transaction: every input
#   record appears once in the output, and a second run resumes from the
#   offsets committed with the transactions (nothing left to do);
# - fencing: a second producer with the same transactional.id fences the first;
# - kill -9 with a transaction open and restart: the transaction is aborted
#   when its transaction.timeout.ms runs out, the last stable offset moves
#   past it, read_committed consumers see what was committed, once, and the
#   consume-transform-produce job resumes without redoing anything.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

read_topic() {  # TOPIC ISOLATION: every record's value, one a line
  kcat -b "$KAFKA" -C -t "$1" -p 0 -e -q -X isolation.level="$2" -f '%s\n'
}

start_serve "$WORK/data" --group-initial-rebalance-delay-ms 0
for topic in mixed in out fence hang; do "$LOCH" topic create --bootstrap "$KAFKA" "$topic" --partitions 1 >/dev/null; done

# 1. Alternating commit / abort: 10 transactions of 50 records.
"$CLIENTS/txn_client" produce "$KAFKA" mixed tx-mixed 10 50 >"$WORK/mixed.out" 2>"$WORK/mixed.err" ||
  fail "transactional producer: $(cat "$WORK/mixed.err")"
expected_committed=$(for t in 0 2 4 6 8; do for i in $(seq 0 49); do echo "c-$t-$i"; done; done)
expect_eq "read_committed sees the committed records, in order" "$(read_topic mixed read_committed)" "$expected_committed"
uncommitted=$(read_topic mixed read_uncommitted)
expect_eq "read_uncommitted sees committed and aborted records" "$(echo "$uncommitted" | wc -l)" "500"
expect_eq "read_uncommitted sees the aborted ones too" "$(echo "$uncommitted" | grep -c '^a-')" "250"
# A pipeline reads the topic read_committed too: bronze holds exactly the
# committed records, with either of the source's Kafka clients (the native
# fetcher; librdkafka's consumer, which an ssl.* setting selects and a
# plaintext connection ignores).
mkdir -p "$WORK/project/pipelines"
for client in native librdkafka; do
  {
    printf 'source:\n  topic: mixed\n'
    if [ "$client" = librdkafka ]; then printf '  ssl.endpoint.identification.algorithm: none\n'; fi
    printf 'format: raw\nsink:\n  table: bronze.mixed_%s\n  partition_by: [_ingested_date]\ntrigger: 10s\n' "$client"
  } >"$WORK/project/pipelines/bronze_mixed_$client.yaml"
done
"$LOCH" pipeline run --all --project "$WORK/project" --trigger available-now --bootstrap "$KAFKA" \
  --data-dir "$WORK/lake" >"$WORK/pipelines.out" 2>&1 || fail "pipelines over transactions: $(cat "$WORK/pipelines.out")"
for client in native librdkafka; do
  expect_eq "bronze read by the $client client holds the committed records once, in order" \
    "$("$LOCH" sql --data-dir "$WORK/lake" --format csv -c "select decode(value) from bronze.mixed_$client order by _offset" | tail -n +2)" \
    "$expected_committed"
done

# 2. Consume-transform-produce with the offsets in the transaction.
"$CLIENTS/acked_producer" "$KAFKA" in 2000 >/dev/null 2>"$WORK/in.err"
"$CLIENTS/txn_client" ctp "$KAFKA" in out etl tx-etl >"$WORK/ctp1.out" 2>"$WORK/ctp1.err" ||
  fail "ctp: $(cat "$WORK/ctp1.err")"
expect_eq "first run processed every input record" "$(cat "$WORK/ctp1.out")" "processed 2000"
expect_eq "output holds each input once, in order" "$(read_topic out read_committed)" \
  "$(seq 0 1999 | sed 's/^/out-record-/')"
"$CLIENTS/txn_client" ctp "$KAFKA" in out etl tx-etl >"$WORK/ctp2.out" 2>"$WORK/ctp2.err" ||
  fail "ctp again: $(cat "$WORK/ctp2.err")"
expect_eq "second run resumes from the transactionally committed offsets" "$(cat "$WORK/ctp2.out")" "processed 0"

# 3. Fencing.
"$CLIENTS/txn_client" fence "$KAFKA" fence tx-fence >"$WORK/fence.out" 2>"$WORK/fence.err" ||
  fail "fencing: $(cat "$WORK/fence.err")"
expect_eq "the first producer is fenced" "$(cat "$WORK/fence.out")" "fenced"
expect_eq "only the second producer's record is committed" "$(read_topic fence read_committed)" "survivor"

# 4. kill -9 with a transaction open (transaction.timeout.ms 4 s).
"$CLIENTS/txn_client" produce "$KAFKA" hang tx-hang 3 20 hang >"$WORK/hang.out" 2>"$WORK/hang.err" &
hanging=$!
for _ in $(seq 1 300); do grep -q open "$WORK/hang.out" && break; sleep 0.05; done
expect_eq "the last transaction is open and its records acknowledged" "$(cat "$WORK/hang.out")" "open"
# Operators see it: loch txn describe / list, loch topic describe (LSO 42:
# two committed transactions of 20 records and their markers before it).
expect_contains "loch txn describe shows the open transaction" \
  "$("$LOCH" txn describe --bootstrap "$KAFKA" tx-hang)" "State: Ongoing"
expect_contains "... and its partition" "$("$LOCH" txn describe --bootstrap "$KAFKA" tx-hang)" "Partitions: hang-0"
expect_contains "loch txn list --state Ongoing lists it" \
  "$("$LOCH" txn list --bootstrap "$KAFKA" --state Ongoing)" "tx-hang"
expect_eq "loch topic describe: end 62, last stable offset 42, one open transaction" \
  "$("$LOCH" topic describe --bootstrap "$KAFKA" hang | awk '$1 == "0" {print $4, $5, $6}')" "62 42 1"
stop_serve KILL
kill -9 "$hanging" 2>/dev/null || true
wait "$hanging" 2>/dev/null || true
start_serve "$WORK/data" --group-initial-rebalance-delay-ms 0
# Until the timeout the open transaction holds the LSO back ...
expect_eq "before the timeout, read_committed stops at the open transaction" "$(read_topic hang read_committed | wc -l)" "40"
# ... then the coordinator aborts it and the LSO reaches the end.
for _ in $(seq 1 200); do
  grep -q "transaction 'tx-hang'.*aborting" "$SERVE_LOG" && break
  sleep 0.1
done
expect_contains "the coordinator aborted the timed-out transaction" "$(cat "$SERVE_LOG")" "transaction 'tx-hang'"
for _ in $(seq 1 50); do
  "$LOCH" txn describe --bootstrap "$KAFKA" tx-hang | grep -q "State: CompleteAbort" && break
  sleep 0.1
done
expect_contains "the timed-out transaction is CompleteAbort" "$("$LOCH" txn describe --bootstrap "$KAFKA" tx-hang)" \
  "State: CompleteAbort"
expect_eq "loch topic describe: no open transaction, LSO at the end (the ABORT marker is 62)" \
  "$("$LOCH" topic describe --bootstrap "$KAFKA" hang | awk '$1 == "0" {print $4, $5, $6}')" "63 63 0"
expect_eq "after the abort, read_committed sees the 2 committed transactions once" \
  "$(read_topic hang read_committed)" "$(for t in 0 1; do for i in $(seq 0 19); do echo "c-$t-$i"; done; done)"
expect_eq "read_uncommitted still has all 60 records" "$(read_topic hang read_uncommitted | wc -l)" "60"
# The consume-transform-produce job resumes after the kill -9 from the
# offsets its transactions committed: nothing processed twice.
"$CLIENTS/txn_client" ctp "$KAFKA" in out etl tx-etl >"$WORK/ctp3.out" 2>"$WORK/ctp3.err" ||
  fail "ctp after the restart: $(cat "$WORK/ctp3.err")"
expect_eq "after kill -9 the job has nothing left to redo" "$(cat "$WORK/ctp3.out")" "processed 0"
expect_eq "and its output still holds each input once" "$(read_topic out read_committed | wc -l)" "2000"
# New data after the aborted transaction is readable: the LSO advanced.
"$CLIENTS/txn_client" produce "$KAFKA" hang tx-hang 1 5 commit >/dev/null 2>"$WORK/after.err" ||
  fail "producing after the restart: $(cat "$WORK/after.err")"
expect_eq "a later committed transaction is readable" "$(read_topic hang read_committed | tail -1)" "c-0-4"
stop_serve TERM
finish
