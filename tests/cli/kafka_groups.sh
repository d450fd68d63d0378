#!/usr/bin/env bash
# Consumer groups against `loch serve`: two kcat -G members share a
# 4-partition topic and rebalance when one leaves; a librdkafka consumer
# (tests/clients/group_consumer.c) commits, and after a restart of the broker
# (SIGTERM, then kill -9) it resumes from its committed offsets;
# `loch group delete-offsets` then removes one partition's offset.
source "$(dirname "$0")/../lib/assert.sh"
source "$TESTS_LIB/serve.sh"

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s; false on timeout.
wait_until() {
  local tries=$(($1 * 10))
  shift
  for _ in $(seq 1 "$tries"); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}
# The partitions of a kcat member's last assignment, e.g. "0 1".
last_assignment() {
  grep -o 'assigned: .*' "$1" 2>/dev/null | tail -1 | grep -o '\[[0-9]*\]' | tr -d '[]' | sort -n | tr '\n' ' ' |
    sed 's/ $//'
}
partition_count() { last_assignment "$1" | wc -w; }
both_have_two() { [ "$(partition_count a.err)" = 2 ] && [ "$(partition_count b.err)" = 2 ]; }
has_assignment() { [ -n "$(last_assignment "$1")" ]; }
has_four() { [ "$(partition_count "$1")" = 4 ]; }
lines_total() { cat "$@" 2>/dev/null | wc -l; }
total_is() {
  local want=$1
  shift
  [ "$(lines_total "$@")" -ge "$want" ]
}
produce_to_partitions() {  # TOPIC PREFIX FROM TO: records PREFIX<p>-<i> into each partition p
  for p in 0 1 2 3; do
    seq "$3" "$4" | sed "s/^/$2$p-/" | kcat -b "$KAFKA" -P -t "$1" -p "$p"
  done
}

start_serve "$WORK/data" --num-partitions 4 --group-initial-rebalance-delay-ms 0

meta=$(kcat -b "$KAFKA" -L -t shared)
expect_contains "topic has 4 partitions" "$meta" "with 4 partitions"
expect_contains "__consumer_offsets exists" "$(kcat -b "$KAFKA" -L)" '"__consumer_offsets" with 50 partitions'

# Two members join one after the other: the second join rebalances the
# group, and each ends with two of the four partitions.
kcat_member() {  # NAME [GROUP [-X setting ...]]: a kcat -G member in the background, $NAME.out / $NAME.err
  local name=$1 group=${2:-shared-group}
  shift $(($# < 2 ? $# : 2))
  kcat -b "$KAFKA" -G "$group" -u -X auto.offset.reset=earliest -X session.timeout.ms=10000 "$@" \
    -f '%p %s\n' shared >"$name.out" 2>"$name.err" &
}
both_have_two_of() { [ "$(partition_count "$1.err")" = 2 ] && [ "$(partition_count "$2.err")" = 2 ]; }
kcat_member a
member_a=$!
wait_until 20 has_four a.err || fail "first member was not assigned all 4 partitions"
kcat_member b
member_b=$!
wait_until 30 both_have_two || fail "members did not settle on 2 + 2 partitions: a=[$(last_assignment a.err)] b=[$(last_assignment b.err)]"
expect_eq "assignments are disjoint and cover the topic" \
  "$(echo "$(last_assignment a.err) $(last_assignment b.err)" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "0 1 2 3 "

# Together they read every record exactly once, each from its own partitions.
produce_to_partitions shared r 1 100
wait_until 30 total_is 400 a.out b.out || fail "members read $(lines_total a.out b.out) of 400 records"
expected=$(for p in 0 1 2 3; do seq 1 100 | sed "s/^/$p r$p-/"; done | sort)
expect_eq "every record exactly once" "$(cat a.out b.out | sort)" "$expected"
for m in a b; do
  got=$(cut -d' ' -f1 "$m.out" | sort -un | tr '\n' ' ' | sed 's/ $//')
  expect_eq "member $m read only its partitions" "$got" "$(last_assignment "$m.err")"
done

# The second member leaves (SIGTERM: it commits and sends LeaveGroup); the
# first takes over all partitions and continues after the committed offsets.
kill -TERM "$member_b"
wait "$member_b" || true
wait_until 30 has_four a.err || fail "remaining member did not get all 4 partitions: [$(last_assignment a.err)]"
before=$(lines_total a.out)
produce_to_partitions shared s 1 10
wait_until 30 total_is $((before + 40)) a.out || fail "remaining member read $(($(lines_total a.out) - before)) of 40"
sleep 1  # a duplicate would arrive right after
expect_eq "after the rebalance only new records are read" "$(tail -n +$((before + 1)) a.out | sort)" \
  "$(for p in 0 1 2 3; do seq 1 10 | sed "s/^/$p s$p-/"; done | sort)"
kill -TERM "$member_a"
wait "$member_a" || true

# A member that dies without leaving (kill -9) is dropped when its session
# times out, and the other member takes over its partitions.
kcat_member c crash-group -X session.timeout.ms=6000
member_c=$!
kcat_member d crash-group -X session.timeout.ms=6000
member_d=$!
wait_until 30 both_have_two_of c d || fail "crash-group did not settle: c=[$(last_assignment c.err)] d=[$(last_assignment d.err)]"
kill -KILL "$member_d"
wait "$member_d" 2>/dev/null || true
wait_until 30 has_four c.err || fail "survivor did not get all 4 partitions: [$(last_assignment c.err)]"
expect_contains "the dead member expired" "$(cat "$SERVE_LOG")" "group crash-group: member"
kill -TERM "$member_c"
wait "$member_c" || true

# Static membership (group.instance.id): a member that restarts within its
# session timeout gets its partitions back without a rebalance of the others.
kcat_member e static-group -X group.instance.id=instance-e
member_e=$!
kcat_member f static-group -X group.instance.id=instance-f
member_f=$!
wait_until 30 both_have_two_of e f || fail "static-group did not settle: e=[$(last_assignment e.err)] f=[$(last_assignment f.err)]"
e_partitions=$(last_assignment e.err)
f_rebalances=$(grep -c 'assigned:' f.err)
kill -TERM "$member_e"  # a static member does not send LeaveGroup
wait "$member_e" || true
mv e.err e-first.err
kcat_member e static-group -X group.instance.id=instance-e
member_e=$!
wait_until 20 has_assignment e.err || fail "restarted static member got no assignment"
expect_eq "restarted static member gets its partitions back" "$(last_assignment e.err)" "$e_partitions"
expect_eq "the other static member saw no rebalance" "$(grep -c 'assigned:' f.err)" "$f_rebalances"
expect_contains "restart logged" "$(cat "$SERVE_LOG")" "static member instance-e restarted"
kill -TERM "$member_e" "$member_f"
wait "$member_e" "$member_f" || true

# Commit, restart, resume: a librdkafka consumer with manual commits.
produce_to_partitions resume v 1 25
"$CLIENTS/group_consumer" "$KAFKA" resume-group resume 100 >first.out 2>first.err || {
  cat first.err >&2
  fail "first consumer run"
}
expect_eq "first run reads all 100" "$(wc -l <first.out)" "100"
expect_eq "first run committed 25 per partition" "$(grep '^committed' first.err | sort)" \
  "committed 0 25
committed 1 25
committed 2 25
committed 3 25"

stop_serve TERM
expect_eq "clean exit on SIGTERM" "$SERVE_EXIT" "0"
start_serve "$WORK/data" --num-partitions 4 --group-initial-rebalance-delay-ms 0
produce_to_partitions resume w 1 5
"$CLIENTS/group_consumer" "$KAFKA" resume-group resume 20 >second.out 2>second.err || {
  cat second.err >&2
  fail "second consumer run"
}
expect_eq "after a restart only new records are read" "$(cut -d' ' -f1,3 second.out | sort)" \
  "$(for p in 0 1 2 3; do seq 1 5 | sed "s/^/$p w$p-/"; done | sort)"

# kill -9: a commit that was acknowledged is on disk.
stop_serve KILL
start_serve "$WORK/data" --num-partitions 4 --group-initial-rebalance-delay-ms 0
produce_to_partitions resume x 1 2
"$CLIENTS/group_consumer" "$KAFKA" resume-group resume 8 >third.out 2>third.err || {
  cat third.err >&2
  fail "third consumer run"
}
expect_eq "after kill -9 only new records are read" "$(cut -d' ' -f1,3 third.out | sort)" \
  "$(for p in 0 1 2 3; do seq 1 2 | sed "s/^/$p x$p-/"; done | sort)"
expect_eq "committed offsets after kill -9" "$(grep '^committed' third.err | sort)" \
  "committed 0 32
committed 1 32
committed 2 32
committed 3 32"

# OffsetDelete: the consumer left, so the group is empty and loses the
# offset of partition 0 only.
"$LOCH" group delete-offsets resume-group --topic resume:0 -b "$KAFKA" >deleted.out 2>deleted.err || {
  cat deleted.err >&2
  fail "group delete-offsets"
}
expect_eq "delete-offsets says what went" "$(cat deleted.out)" "Group resume-group: resume-0 offset deleted"
expect_eq "partitions still committed" \
  "$("$LOCH" group describe resume-group -b "$KAFKA" | awk '$1 == "resume" && $3 != "-" {print $2}' | sort | tr '\n' ' ')" \
  "1 2 3 "
# Partition 0 is read again from the start (auto.offset.reset=earliest), the
# others resume where their offsets stayed.
"$CLIENTS/group_consumer" "$KAFKA" resume-group resume 32 >fourth.out 2>fourth.err || {
  cat fourth.err >&2
  fail "consumer run after delete-offsets"
}
expect_eq "only partition 0 is read again, all of it" "$(cut -d' ' -f1,2 fourth.out | sort -n -k2 | tr '\n' ' ')" \
  "$(seq 0 31 | sed 's/^/0 /' | tr '\n' ' ')"
stop_serve TERM

finish
