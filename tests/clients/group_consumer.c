/* group_consumer BOOTSTRAP GROUP TOPIC EXPECTED [IDLE_MS]
 *
 * A librdkafka consumer group member with manual commits: subscribes to
 * TOPIC in GROUP (auto.offset.reset=earliest), reads until it has EXPECTED
 * records and then IDLE_MS (default 1000) more milliseconds, so that records
 * beyond those expected are seen too. Prints one line "<partition> <offset>
 * <value>" per record, commits the consumed positions synchronously, prints
 * "committed <partition> <offset>" per partition (rd_kafka_committed, read
 * back from the broker) and leaves the group (rd_kafka_consumer_close).
 * Exits 0 when the commit succeeded and EXPECTED records were read within 30
 * seconds, 1 otherwise. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s: %s\n", name, err);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: group_consumer BOOTSTRAP GROUP TOPIC EXPECTED [IDLE_MS]\n");
    return 2;
  }
  const char *topic = argv[3];
  int expected = atoi(argv[4]);
  int idle_ms = argc > 5 ? atoi(argv[5]) : 1000;
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!set(conf, "bootstrap.servers", argv[1]) || !set(conf, "group.id", argv[2]) ||
      !set(conf, "auto.offset.reset", "earliest") || !set(conf, "enable.auto.commit", "false") ||
      !set(conf, "session.timeout.ms", "10000")) {
    return 2;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *subscription = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subscription, topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (e) {
    fprintf(stderr, "subscribe: %s\n", rd_kafka_err2str(e));
    return 1;
  }

  int got = 0;
  long long deadline = now_ms() + 30000;
  long long idle_until = expected == 0 ? now_ms() + idle_ms : -1;
  while (now_ms() < deadline && (idle_until < 0 || now_ms() < idle_until)) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
    } else {
      printf("%d %lld %.*s\n", (int)m->partition, (long long)m->offset, (int)m->len, (const char *)m->payload);
      got++;
      if (got == expected) idle_until = now_ms() + idle_ms;
    }
    rd_kafka_message_destroy(m);
  }
  fflush(stdout);

  int status = got >= expected ? 0 : 1;
  if (got < expected) fprintf(stderr, "read %d of %d records\n", got, expected);
  if (got > 0) {
    e = rd_kafka_commit(rk, NULL, 0 /* synchronous */);
    if (e) {
      fprintf(stderr, "commit: %s\n", rd_kafka_err2str(e));
      status = 1;
    }
  }
  rd_kafka_topic_partition_list_t *assignment = NULL;
  if (rd_kafka_assignment(rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    e = rd_kafka_committed(rk, assignment, 10000);
    if (e) {
      fprintf(stderr, "committed: %s\n", rd_kafka_err2str(e));
      status = 1;
    } else {
      for (int i = 0; i < assignment->cnt; i++) {
        fprintf(stderr, "committed %d %lld\n", (int)assignment->elems[i].partition,
                (long long)assignment->elems[i].offset);
      }
    }
    rd_kafka_topic_partition_list_destroy(assignment);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return status;
}
