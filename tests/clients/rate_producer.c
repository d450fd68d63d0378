/* rate_producer BOOTSTRAP TOPIC RATE SECONDS
 *
 * Produces shop orders (the JSON of examples/streaming-first's shop.orders:
 * order_id, customer_id, product_id, category, quantity, unit_price, amount,
 * ordered_at) to TOPIC at a steady RATE records/s for SECONDS, paced by a
 * schedule (record i is due at start + i / RATE), keyed by order id. Each
 * record's timestamp (CreateTime) and `ordered_at` are the wall clock when
 * it is handed to librdkafka, so a consumer can tell how long after its
 * production a record became visible somewhere (bench/pipeline_freshness_bench.sh).
 * Prints "produced N delivered D failed F seconds S max_behind_ms B" where B
 * is how far the producer fell behind its schedule at worst. */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long delivered = 0;
static long failed = 0;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) failed++;
  else delivered++;
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: rate_producer BOOTSTRAP TOPIC RATE SECONDS\n");
    return 2;
  }
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  if (rate <= 0 || seconds <= 0) {
    fprintf(stderr, "rate_producer: RATE and SECONDS must be positive\n");
    return 2;
  }
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "rate_producer: %s\n", err);
    return 1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rate_producer: %s\n", err);
    return 1;
  }
  static const char *categories[] = {"books", "games", "garden", "kitchen", "music", "toys"};
  const long total = (long)(rate * seconds);
  const int64_t start = now_us();
  int64_t max_behind_us = 0;
  unsigned seed = 42;
  for (long i = 0; i < total;) {
    int64_t now = now_us();
    long due = (long)((double)(now - start) * rate / 1e6) + 1;
    if (due > total) due = total;
    if (i < due) {
      int64_t behind = now - (start + (int64_t)((double)i * 1e6 / rate));
      if (behind > max_behind_us) max_behind_us = behind;
    }
    for (; i < due; i++) {
      char key[32];
      char value[320];
      int key_len = snprintf(key, sizeof(key), "o-%ld", i);
      int quantity = 1 + (int)(rand_r(&seed) % 4);
      double unit_price = 1.0 + (double)(rand_r(&seed) % 10000) / 100.0;
      int64_t ms = now_us() / 1000;
      int value_len = snprintf(value, sizeof(value),
                               "{\"order_id\":\"o-%ld\",\"customer_id\":%u,\"product_id\":%u,\"category\":\"%s\","
                               "\"quantity\":%d,\"unit_price\":%.2f,\"amount\":%.2f,\"ordered_at\":%lld}",
                               i, rand_r(&seed) % 1000, rand_r(&seed) % 500, categories[rand_r(&seed) % 6], quantity,
                               unit_price, unit_price * quantity, (long long)ms);
      rd_kafka_resp_err_t e;
      while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_KEY(key, (size_t)key_len),
                                    RD_KAFKA_V_VALUE(value, (size_t)value_len), RD_KAFKA_V_TIMESTAMP(ms),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
      }
      if (e) {
        fprintf(stderr, "rate_producer: produce: %s\n", rd_kafka_err2str(e));
        return 1;
      }
    }
    rd_kafka_poll(rk, 0);
    if (i < total) {
      struct timespec pause = {0, 1000000}; /* 1 ms: the next records fall due */
      nanosleep(&pause, NULL);
    }
  }
  rd_kafka_flush(rk, 60000);
  double took = (double)(now_us() - start) / 1e6;
  printf("produced %ld delivered %ld failed %ld seconds %.2f max_behind_ms %lld\n", total, delivered, failed, took,
         (long long)(max_behind_us / 1000));
  rd_kafka_destroy(rk);
  return failed == 0 && delivered == total ? 0 : 1;
}
