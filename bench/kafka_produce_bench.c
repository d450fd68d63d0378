/* kafka_produce_bench BOOTSTRAP RECORDS [exactly-once ROUNDS]
 *
 * The broker benchmarks of issue 6, with librdkafka as the client, each a
 * ratio against a baseline run in the same process:
 *   1. produce 100-byte records, acks=1, to BOOTSTRAP (loch serve) and to
 *      librdkafka's in-memory mock cluster (test.mock.num.brokers=1);
 *   2. consume them back from BOOTSTRAP (consume vs produce throughput);
 *   3. produce latency p50/p99 at half the measured maximum rate;
 *   4. exactly-once (issue 7): idempotent produce against plain acks=all,
 *      and transactional produce (100 ms transactions) against idempotent.
 * Records/s are printed with their ratios. With `exactly-once ROUNDS` only
 * step 4 runs, ROUNDS times with plain acks=all, idempotent and
 * transactional producers taking turns (RECORDS records each, to one
 * partition each), so that a noisy shared machine weighs on all three
 * alike, and the median of each ratio is printed with every round's. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long delivered, failed;
static double *latencies;
static long latency_count;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    failed++;
    return;
  }
  delivered++;
  if (latencies && m->_private) {
    double sent = *(double *)m->_private;
    latencies[latency_count++] = now_s() - sent;
    free(m->_private);
  }
}

static rd_kafka_t *make_producer(const char *bootstrap, int mock, const char *acks, const char *linger_ms) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (mock) {
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof(err));
  } else {
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
  }
  rd_kafka_conf_set(conf, "acks", acks, err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", linger_ms, err, sizeof(err));
  rd_kafka_conf_set(conf, "batch.num.messages", "10000", err, sizeof(err));
  rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof(err));
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    exit(2);
  }
  return rk;
}

/* acks=all with idempotence, and transactional when `transactional_id`. */
static rd_kafka_t *make_exactly_once_producer(const char *bootstrap, const char *transactional_id) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (bootstrap) {
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
  } else {
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof(err));
  }
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
  rd_kafka_conf_set(conf, "batch.num.messages", "10000", err, sizeof(err));
  rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof(err));
  if (transactional_id) rd_kafka_conf_set(conf, "transactional.id", transactional_id, err, sizeof(err));
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    exit(2);
  }
  if (transactional_id) {
    rd_kafka_error_t *error = rd_kafka_init_transactions(rk, 30000);
    if (error) {
      fprintf(stderr, "init_transactions: %s\n", rd_kafka_error_string(error));
      exit(1);
    }
  }
  return rk;
}

static void check_txn(rd_kafka_error_t *error, const char *what) {
  if (!error) return;
  fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(error));
  exit(1);
}

/* Records/s of producing `count` 100-byte records in transactions of about
 * `txn_ms` milliseconds each: each holds what the producer delivers in that
 * time at `expected_rate` (enqueueing alone would fill one in microseconds),
 * capped by txn_ms of enqueueing. */
static double transactional_rate(rd_kafka_t *rk, const char *topic, long count, double txn_ms, double expected_rate) {
  long per_txn = (long)(expected_rate * txn_ms / 1000);
  if (per_txn < 1) per_txn = 1;
  char payload[100];
  memset(payload, 't', sizeof(payload));
  delivered = failed = 0;
  check_txn(rd_kafka_begin_transaction(rk), "begin_transaction");
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, sizeof(payload)),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  check_txn(rd_kafka_commit_transaction(rk, 30000), "commit_transaction");
  delivered = 0;
  long sent = 0, transactions = 0;
  double start = now_s();
  while (sent < count) {
    check_txn(rd_kafka_begin_transaction(rk), "begin_transaction");
    double txn_end = now_s() + txn_ms / 1000;
    long txn_sent = 0;
    while (sent < count && txn_sent++ < per_txn && now_s() < txn_end) {
      while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, sizeof(payload)),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 1);
      }
      if ((++sent & 1023) == 0) rd_kafka_poll(rk, 0);
    }
    check_txn(rd_kafka_commit_transaction(rk, 60000), "commit_transaction");
    transactions++;
  }
  double elapsed = now_s() - start;
  if (delivered != count) fprintf(stderr, "warning: %ld of %ld delivered, %ld failed\n", delivered, count, failed);
  fprintf(stderr, "%ld transactions of up to %ld records\n", transactions, per_txn);
  return (double)delivered / elapsed;
}

/* Records/s of producing `count` 100-byte records. */
static double produce_rate(rd_kafka_t *rk, const char *topic, long count) {
  char payload[100];
  memset(payload, 'x', sizeof(payload));
  delivered = failed = 0;
  /* Warm up: metadata, connection, topic creation. */
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, sizeof(payload)),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_flush(rk, 10000);
  delivered = 0;
  double start = now_s();
  for (long i = 0; i < count; i++) {
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, sizeof(payload)),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  double elapsed = now_s() - start;
  if (delivered != count) fprintf(stderr, "warning: %ld of %ld delivered, %ld failed\n", delivered, count, failed);
  return (double)delivered / elapsed;
}

static double consume_rate(const char *bootstrap, const char *topic, long expected) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "bench-consume", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "fetch.max.bytes", "52428800", err, sizeof(err));
  /* librdkafka 2.0 stops fetching once 100,000 messages are queued and looks
     again only when its broker thread wakes up: with 100-byte records the
     consumer then idles most of the time, waiting on itself, not the broker.
     A deeper queue (about 100 MB here) keeps a fetch in flight. */
  rd_kafka_conf_set(conf, "queued.min.messages", "1000000", err, sizeof(err));
  rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "1048576", err, sizeof(err));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  long got = 0;
  double start = 0;
  double deadline = now_s() + 120;
  /* Messages are taken from the queue up to 1,024 at a time, as a
     throughput-minded consumer does (one poll call per message costs the
     client more than the broker's fetch). */
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  static rd_kafka_message_t *batch[1024];
  while (got < expected && now_s() < deadline) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch, 1024);
    for (ssize_t i = 0; i < n; i++) {
      if (!batch[i]->err) {
        if (got == 0) start = now_s();
        got++;
      }
      rd_kafka_message_destroy(batch[i]);
    }
  }
  rd_kafka_queue_destroy(queue);
  double elapsed = now_s() - start;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return (double)got / elapsed;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* p50/p99 produce latency (ms) at `rate` records/s for `seconds`. */
static void latency_at(rd_kafka_t *rk, const char *topic, double rate, double seconds, double *p50, double *p99) {
  char payload[100];
  memset(payload, 'y', sizeof(payload));
  long count = (long)(rate * seconds);
  latencies = calloc((size_t)count, sizeof(double));
  latency_count = 0;
  double start = now_s();
  for (long i = 0; i < count; i++) {
    double due = start + (double)i / rate;
    while (now_s() < due) rd_kafka_poll(rk, 0);
    double *sent = malloc(sizeof(double));
    *sent = now_s();
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, sizeof(payload)),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(sent), RD_KAFKA_V_END);
  }
  rd_kafka_flush(rk, 30000);
  qsort(latencies, (size_t)latency_count, sizeof(double), compare);
  *p50 = latency_count ? latencies[latency_count / 2] * 1000 : -1;
  *p99 = latency_count ? latencies[(long)(latency_count * 0.99)] * 1000 : -1;
  free(latencies);
  latencies = NULL;
}

/* The 1-minute load average, to print with each round ("?" unknown). */
static void load_average(char *out, size_t size) {
  snprintf(out, size, "?");
  FILE *f = fopen("/proc/loadavg", "r");
  if (!f) return;
  char first[32];
  if (fscanf(f, "%31s", first) == 1) snprintf(out, size, "%s", first);
  fclose(f);
}

static void print_summary(const char *name, const char *goal, double *ratios, int n) {
  double sorted[n];
  memcpy(sorted, ratios, sizeof(double) * (size_t)n);
  qsort(sorted, (size_t)n, sizeof(double), compare);
  double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  printf("%s: median %.2f over %d rounds%s (", name, median, n, goal);
  for (int i = 0; i < n; i++) printf("%s%.2f", i ? ", " : "", ratios[i]);
  printf(")\n");
}

/* Step 4 alone, `rounds` times; one line per round, then the median of
 * each ratio with every round's value. The producers take turns within a
 * round, in the opposite order every other round (plain, idempotent,
 * transactional, then transactional, idempotent, plain), so that a load
 * rising or falling during a round weighs on baseline and subject alike. */
static int exactly_once_rounds(const char *bootstrap, long records, int rounds) {
  double idempotent_ratios[rounds], transactional_ratios[rounds], mock_ratios[rounds];
  double last_idempotent_rate = 0;
  for (int round = 1; round <= rounds; round++) {
    char load[32];
    load_average(load, sizeof(load));
    int reversed = round % 2 == 0;
    double all_rate = 0, idempotent_rate = 0, transactional_rate_100ms = 0;
    for (int step = 0; step < 3; step++) {
      int which = reversed ? 2 - step : step;
      if (which == 0) {
        rd_kafka_t *all = make_producer(bootstrap, 0, "all", "5");
        all_rate = produce_rate(all, "bench-acks-all", records);
        rd_kafka_destroy(all);
      } else if (which == 1) {
        rd_kafka_t *idempotent = make_exactly_once_producer(bootstrap, NULL);
        idempotent_rate = produce_rate(idempotent, "bench-idempotent", records);
        last_idempotent_rate = idempotent_rate;
        rd_kafka_destroy(idempotent);
      } else {
        /* Transactions hold what the idempotent producer delivers in 100 ms
         * (its rate of this round, or of the last one when it runs first). */
        rd_kafka_t *transactional = make_exactly_once_producer(bootstrap, "bench-transactional");
        transactional_rate_100ms =
            transactional_rate(transactional, "bench-transactional", records, 100,
                               last_idempotent_rate > 0 ? last_idempotent_rate : 1000000);
        rd_kafka_destroy(transactional);
      }
    }
    /* The client's own cost of idempotence: the same two producers against
     * librdkafka's in-memory mock cluster (no broker, no disk). */
    rd_kafka_t *mock_all = make_producer(NULL, 1, "all", "5");
    double mock_all_rate = produce_rate(mock_all, "bench-acks-all", records);
    rd_kafka_destroy(mock_all);
    rd_kafka_t *mock_idempotent = make_exactly_once_producer(NULL, NULL);
    double mock_idempotent_rate = produce_rate(mock_idempotent, "bench-idempotent", records);
    rd_kafka_destroy(mock_idempotent);
    idempotent_ratios[round - 1] = idempotent_rate / all_rate;
    transactional_ratios[round - 1] = transactional_rate_100ms / idempotent_rate;
    mock_ratios[round - 1] = mock_idempotent_rate / mock_all_rate;
    printf("round %d (load %s, %s): acks=all %.0f rec/s, idempotent %.0f rec/s (ratio %.2f, goal >= 0.95), "
           "transactional 100 ms %.0f rec/s (ratio to idempotent %.2f, goal >= 0.80); "
           "mock cluster: acks=all %.0f, idempotent %.0f rec/s (ratio %.2f)\n",
           round, load, reversed ? "transactional first" : "acks=all first", all_rate, idempotent_rate,
           idempotent_ratios[round - 1], transactional_rate_100ms, transactional_ratios[round - 1], mock_all_rate,
           mock_idempotent_rate, mock_ratios[round - 1]);
    fflush(stdout);
  }
  print_summary("idempotent / acks=all", ", goal >= 0.95", idempotent_ratios, rounds);
  print_summary("transactional 100 ms / idempotent", ", goal >= 0.80", transactional_ratios, rounds);
  print_summary("mock cluster: idempotent / acks=all", "", mock_ratios, rounds);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || (argc > 3 && (argc != 5 || strcmp(argv[3], "exactly-once") != 0))) {
    fprintf(stderr, "usage: kafka_produce_bench BOOTSTRAP RECORDS [exactly-once ROUNDS]\n");
    return 2;
  }
  const char *bootstrap = argv[1];
  long records = atol(argv[2]);
  if (argc == 5) {
    int rounds = atoi(argv[4]);
    if (rounds < 1) {
      fprintf(stderr, "ROUNDS must be at least 1, not '%s'\n", argv[4]);
      return 2;
    }
    return exactly_once_rounds(bootstrap, records, rounds);
  }

  rd_kafka_t *mock = make_producer(NULL, 1, "1", "5");
  double mock_rate = produce_rate(mock, "bench-mock", records);
  rd_kafka_destroy(mock);

  rd_kafka_t *loch = make_producer(bootstrap, 0, "1", "5");
  double loch_rate = produce_rate(loch, "bench-produce", records);
  rd_kafka_destroy(loch);

  double consume = consume_rate(bootstrap, "bench-produce", records);

  rd_kafka_t *all = make_producer(bootstrap, 0, "all", "5");
  double all_rate = produce_rate(all, "bench-acks-all", records / 4);
  rd_kafka_destroy(all);

  /* Exactly-once costs, against plain acks=all in the same run. */
  rd_kafka_t *idempotent = make_exactly_once_producer(bootstrap, NULL);
  double idempotent_rate = produce_rate(idempotent, "bench-idempotent", records / 4);
  rd_kafka_destroy(idempotent);
  rd_kafka_t *transactional = make_exactly_once_producer(bootstrap, "bench-transactional");
  double transactional_100ms =
      transactional_rate(transactional, "bench-transactional", records / 4, 100, idempotent_rate);
  rd_kafka_destroy(transactional);

  /* A 1 ms linger: the latency is mostly the broker's, not the client's batching wait. */
  rd_kafka_t *paced = make_producer(bootstrap, 0, "1", "1");
  double p50, p99;
  latency_at(paced, "bench-latency", loch_rate / 2 > 200000 ? 200000 : loch_rate / 2, 3.0, &p50, &p99);
  rd_kafka_destroy(paced);

  printf("produce acks=1, 100-byte records: loch %.0f rec/s, librdkafka mock cluster %.0f rec/s, ratio %.2f\n",
         loch_rate, mock_rate, loch_rate / mock_rate);
  printf("consume: %.0f rec/s, ratio to produce %.2f\n", consume, consume / loch_rate);
  printf("produce acks=all (fsync per batch): %.0f rec/s\n", all_rate);
  printf("produce idempotent (acks=all): %.0f rec/s, ratio to plain acks=all %.2f (goal >= 0.95)\n", idempotent_rate,
         idempotent_rate / all_rate);
  printf("produce transactional, 100 ms transactions: %.0f rec/s, ratio to idempotent %.2f (goal >= 0.80)\n",
         transactional_100ms, transactional_100ms / idempotent_rate);
  printf("latency at %.0f rec/s: p50 %.2f ms, p99 %.2f ms\n", loch_rate / 2 > 200000 ? 200000 : loch_rate / 2, p50, p99);
  return 0;
}
