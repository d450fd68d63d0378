/* txn_client: librdkafka transactional producers for the transaction tests.
 *
 * txn_client produce BOOTSTRAP TOPIC TXN_ID TXNS PER_TXN [MODE]
 *   TXNS transactions of PER_TXN records to partition 0. MODE "alternate"
 *   (default) commits even-numbered transactions, writing "c-<t>-<i>",
 *   and aborts odd ones, writing "a-<t>-<i>"; "commit" commits all; "hang"
 *   commits all but leaves the last one open (flushed, never ended) and
 *   sleeps, printing "open" when its records are acknowledged, so that a
 *   test can kill the broker or let the transaction time out.
 * txn_client ctp BOOTSTRAP IN OUT GROUP TXN_ID
 *   consume-transform-produce: reads IN (read_committed, group GROUP),
 *   writes "out-<value>" to OUT and commits the input offsets in the same
 *   transaction (rd_kafka_send_offsets_to_transaction), one transaction per
 *   poll batch, until IN is idle for 3 s; prints "processed <n>".
 * txn_client fence BOOTSTRAP TOPIC TXN_ID
 *   producer A opens a transaction; producer B initialises the same
 *   transactional.id; A's commit must fail as fenced. Prints "fenced". */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die_on(rd_kafka_error_t *error, const char *what) {
  if (!error) return;
  fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(error));
  exit(1);
}

static rd_kafka_t *new_producer(const char *bootstrap, const char *txn_id, const char *timeout_ms) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
  rd_kafka_conf_set(conf, "transactional.id", txn_id, err, sizeof(err));
  rd_kafka_conf_set(conf, "transaction.timeout.ms", timeout_ms, err, sizeof(err));
  /* librdkafka wants socket.timeout.ms <= transaction.timeout.ms. */
  if (atoi(timeout_ms) < 60000) rd_kafka_conf_set(conf, "socket.timeout.ms", timeout_ms, err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    exit(2);
  }
  die_on(rd_kafka_init_transactions(rk, 30000), "init_transactions");
  return rk;
}

static void produce(rd_kafka_t *rk, const char *topic, const char *value) {
  rd_kafka_resp_err_t e;
  while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    rd_kafka_poll(rk, 10);
  }
  if (e) {
    fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
    exit(1);
  }
}

static int run_produce(int argc, char **argv) {
  if (argc < 7) return 2;
  const char *topic = argv[3];
  int txns = atoi(argv[5]), per_txn = atoi(argv[6]);
  const char *mode = argc > 7 ? argv[7] : "alternate";
  rd_kafka_t *rk = new_producer(argv[2], argv[4], strcmp(mode, "hang") == 0 ? "4000" : "60000");
  for (int t = 0; t < txns; t++) {
    int abort = strcmp(mode, "alternate") == 0 && t % 2 == 1;
    die_on(rd_kafka_begin_transaction(rk), "begin_transaction");
    for (int i = 0; i < per_txn; i++) {
      char value[64];
      snprintf(value, sizeof(value), "%s-%d-%d", abort ? "a" : "c", t, i);
      produce(rk, topic, value);
    }
    if (strcmp(mode, "hang") == 0 && t == txns - 1) {
      rd_kafka_flush(rk, 30000);
      printf("open\n");
      fflush(stdout);
      for (;;) sleep(1);
    }
    /* Aborted records must reach the log first (abort_transaction purges
     * what is still queued), so that read_uncommitted sees them. */
    if (abort) rd_kafka_flush(rk, 30000);
    if (abort) die_on(rd_kafka_abort_transaction(rk, 30000), "abort_transaction");
    else die_on(rd_kafka_commit_transaction(rk, 30000), "commit_transaction");
  }
  rd_kafka_destroy(rk);
  printf("done %d\n", txns);
  return 0;
}

static int run_ctp(int argc, char **argv) {
  if (argc < 7) return 2;
  const char *bootstrap = argv[2], *in = argv[3], *out = argv[4], *group = argv[5];
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err));
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
  rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!consumer) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, in, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  rd_kafka_t *producer = new_producer(bootstrap, argv[6], "60000");

  int processed = 0, idle_ms = 0;
  while (idle_ms < 3000) {
    rd_kafka_message_t *batch[500];
    int n = 0;
    while (n < 500) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, n == 0 ? 200 : 0);
      if (!m) break;
      if (m->err) {
        rd_kafka_message_destroy(m);
        continue;
      }
      batch[n++] = m;
    }
    if (n == 0) {
      idle_ms += 200;
      continue;
    }
    idle_ms = 0;
    die_on(rd_kafka_begin_transaction(producer), "begin_transaction");
    for (int i = 0; i < n; i++) {
      char value[128];
      snprintf(value, sizeof(value), "out-%.*s", (int)batch[i]->len, (const char *)batch[i]->payload);
      produce(producer, out, value);
    }
    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, in, batch[n - 1]->partition)->offset = batch[n - 1]->offset + 1;
    rd_kafka_consumer_group_metadata_t *metadata = rd_kafka_consumer_group_metadata(consumer);
    die_on(rd_kafka_send_offsets_to_transaction(producer, offsets, metadata, 30000), "send_offsets_to_transaction");
    rd_kafka_consumer_group_metadata_destroy(metadata);
    rd_kafka_topic_partition_list_destroy(offsets);
    die_on(rd_kafka_commit_transaction(producer, 30000), "commit_transaction");
    processed += n;
    for (int i = 0; i < n; i++) rd_kafka_message_destroy(batch[i]);
  }
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  printf("processed %d\n", processed);
  return 0;
}

static int run_fence(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *topic = argv[3];
  rd_kafka_t *a = new_producer(argv[2], argv[4], "60000");
  die_on(rd_kafka_begin_transaction(a), "A begin_transaction");
  produce(a, topic, "zombie");
  rd_kafka_flush(a, 30000);
  rd_kafka_t *b = new_producer(argv[2], argv[4], "60000");
  rd_kafka_error_t *error = rd_kafka_commit_transaction(a, 30000);
  if (!error) {
    fprintf(stderr, "the first producer committed after being fenced\n");
    return 1;
  }
  int fenced = rd_kafka_error_is_fatal(error) &&
               (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__FENCED ||
                rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
                rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH);
  fprintf(stderr, "A's commit: %s (%s)\n", rd_kafka_error_string(error), rd_kafka_error_name(error));
  rd_kafka_error_destroy(error);
  /* B works: one committed transaction. */
  die_on(rd_kafka_begin_transaction(b), "B begin_transaction");
  produce(b, topic, "survivor");
  die_on(rd_kafka_commit_transaction(b, 30000), "B commit_transaction");
  rd_kafka_destroy(a);
  rd_kafka_destroy(b);
  if (!fenced) return 1;
  printf("fenced\n");
  return 0;
}

int main(int argc, char **argv) {
  int rc = 2;
  if (argc > 1 && strcmp(argv[1], "produce") == 0) rc = run_produce(argc, argv);
  else if (argc > 1 && strcmp(argv[1], "ctp") == 0) rc = run_ctp(argc, argv);
  else if (argc > 1 && strcmp(argv[1], "fence") == 0) rc = run_fence(argc, argv);
  if (rc == 2) fprintf(stderr, "usage: see the comment at the top of tests/clients/txn_client.c\n");
  return rc;
}
