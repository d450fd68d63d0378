/* acked_producer BOOTSTRAP TOPIC COUNT [compression]
 *
 * Produces COUNT records "record-<i>" with acks=all through librdkafka and
 * prints one line "<offset> <value>" for every record the broker
 * acknowledged, flushed at once, so that a test that kills the broker knows
 * exactly which records were promised to be durable. Exits 0 when all were
 * acknowledged, 1 otherwise. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int acked = 0;
static int failed = 0;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    failed++;
    return;
  }
  printf("%lld %.*s\n", (long long)m->offset, (int)m->len, (const char *)m->payload);
  fflush(stdout);
  acked++;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: acked_producer BOOTSTRAP TOPIC COUNT [compression]\n");
    return 2;
  }
  const char *topic = argv[2];
  int count = atoi(argv[3]);
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err));
  rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
  rd_kafka_conf_set(conf, "message.timeout.ms", "10000", err, sizeof(err));
  if (argc > 4) rd_kafka_conf_set(conf, "compression.codec", argv[4], err, sizeof(err));
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  for (int i = 0; i < count; i++) {
    char value[64];
    int len = snprintf(value, sizeof(value), "record-%d", i);
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, (size_t)len),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 15000);
  rd_kafka_destroy(rk);
  fprintf(stderr, "acked %d, failed %d of %d\n", acked, failed, count);
  return acked == count ? 0 : 1;
}
