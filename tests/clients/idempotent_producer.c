/* idempotent_producer BOOTSTRAP TOPIC COUNT [idempotence=true|false]
 *
 * Produces COUNT records "record-<i>" (i = 0..COUNT-1, in this order) with
 * acks=all and, by default, enable.idempotence=true, retrying for up to
 * 60 s, and prints "acked <n> failed <m> of <COUNT>" on stderr. Meant to
 * run through a proxy that cuts connections (tests/lib/cutting_proxy.py):
 * the broker must then store every record exactly once and in order.
 * Exits 0 when every record was acknowledged. */
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
    if (failed < 5) fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
    failed++;
    return;
  }
  acked++;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk;
  (void)opaque;
  /* Connection drops are expected; a fatal error (e.g. a sequence gap the
   * broker reported) is not. */
  if (err == RD_KAFKA_RESP_ERR__FATAL) fprintf(stderr, "FATAL: %s\n", reason);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: idempotent_producer BOOTSTRAP TOPIC COUNT [true|false]\n");
    return 2;
  }
  const char *topic = argv[2];
  int count = atoi(argv[3]);
  const char *idempotence = argc > 4 ? argv[4] : "true";
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.idempotence", idempotence, err, sizeof(err));
  rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "2", err, sizeof(err));
  rd_kafka_conf_set(conf, "batch.num.messages", "200", err, sizeof(err));
  rd_kafka_conf_set(conf, "message.timeout.ms", "60000", err, sizeof(err));
  rd_kafka_conf_set(conf, "retry.backoff.ms", "20", err, sizeof(err));
  rd_kafka_conf_set(conf, "reconnect.backoff.ms", "10", err, sizeof(err));
  rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "100", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  for (int i = 0; i < count; i++) {
    char value[64];
    int len = snprintf(value, sizeof(value), "record-%d", i);
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                                RD_KAFKA_V_VALUE(value, (size_t)len),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 90000);
  char fatal[256];
  rd_kafka_resp_err_t fatal_err = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
  if (fatal_err) fprintf(stderr, "fatal error: %s\n", fatal);
  rd_kafka_destroy(rk);
  fprintf(stderr, "acked %d failed %d of %d\n", acked, failed, count);
  return acked == count && !fatal_err ? 0 : 1;
}
