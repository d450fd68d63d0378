/* contract_producer BOOTSTRAP TOPIC COUNT GOOD_ID BAD_ID BAD_EVERY [compression [acks [idempotent]]]
 *
 * Produces COUNT records with acks=all through librdkafka, keys "k<i>",
 * values in the schema registry wire format (magic 0, big-endian schema id,
 * Avro binary). Record i is written with BAD_ID when i % BAD_EVERY == 0
 * (schema {id: long, name: string, email: ["null","string"]}), with GOOD_ID
 * otherwise (schema {id: long, name: string}); BAD_EVERY 0 means none.
 * Prints "delivered N failed M" and one line "error NAME COUNT" per error
 * the broker answered. Exits 0 when every record was acknowledged. acks
 * defaults to all (the benchmark passes 1); "idempotent" as the ninth
 * argument sets enable.idempotence=true, batches of at most 1000 records,
 * and lets delivery retry for 120 s
 * (for runs through tests/lib/cutting_proxy.py). */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long delivered = 0;
static long failed = 0;
static struct {
  rd_kafka_resp_err_t err;
  long count;
} errors[16];
static int error_kinds = 0;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (!m->err) {
    delivered++;
    return;
  }
  failed++;
  for (int i = 0; i < error_kinds; i++) {
    if (errors[i].err == m->err) {
      errors[i].count++;
      return;
    }
  }
  if (error_kinds < 16) {
    errors[error_kinds].err = m->err;
    errors[error_kinds++].count = 1;
  }
}

/* Avro long: zigzag varint. */
static size_t put_long(int64_t v, unsigned char *out) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  size_t n = 0;
  while (z >= 0x80) {
    out[n++] = (unsigned char)(z | 0x80);
    z >>= 7;
  }
  out[n++] = (unsigned char)z;
  return n;
}

static size_t put_string(const char *s, unsigned char *out) {
  size_t len = strlen(s);
  size_t n = put_long((int64_t)len, out);
  memcpy(out + n, s, len);
  return n + len;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr,
            "usage: contract_producer BOOTSTRAP TOPIC COUNT GOOD_ID BAD_ID BAD_EVERY [compression [acks [idempotent]]]\n");
    return 2;
  }
  const char *topic = argv[2];
  long count = atol(argv[3]);
  uint32_t good_id = (uint32_t)atol(argv[4]);
  uint32_t bad_id = (uint32_t)atol(argv[5]);
  long bad_every = atol(argv[6]);
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err));
  rd_kafka_conf_set(conf, "acks", argc > 8 ? argv[8] : "all", err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
  int idempotent = argc > 9 && strcmp(argv[9], "idempotent") == 0;
  rd_kafka_conf_set(conf, "message.timeout.ms", idempotent ? "120000" : "30000", err, sizeof(err));
  if (idempotent) {
    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err));
    /* Small batches: many quick requests, so connection cuts land between a
     * batch's append and its answer (a retry the broker must de-duplicate)
     * often, and a loaded broker still answers before the next cut. */
    rd_kafka_conf_set(conf, "batch.num.messages", "1000", err, sizeof(err));
  }
  if (argc > 7 && strcmp(argv[7], "none") != 0) rd_kafka_conf_set(conf, "compression.codec", argv[7], err, sizeof(err));
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  for (long i = 0; i < count; i++) {
    int bad = bad_every > 0 && i % bad_every == 0;
    uint32_t id = bad ? bad_id : good_id;
    unsigned char value[128];
    size_t n = 0;
    value[n++] = 0;
    value[n++] = (unsigned char)(id >> 24);
    value[n++] = (unsigned char)(id >> 16);
    value[n++] = (unsigned char)(id >> 8);
    value[n++] = (unsigned char)id;
    char name[32];
    snprintf(name, sizeof(name), "user-%ld", i);
    n += put_long(i, value + n);
    n += put_string(name, value + n);
    if (bad) {
      n += put_long(1, value + n); /* union branch 1: string */
      n += put_string("someone@example.com", value + n);
    }
    char key[32];
    int key_len = snprintf(key, sizeof(key), "k%ld", i);
    while (1) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_KEY(key, (size_t)key_len), RD_KAFKA_V_VALUE(value, n),
                                                RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 50);
        continue;
      }
      if (e) {
        fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
        return 2;
      }
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 150000);
  printf("delivered %ld failed %ld\n", delivered, failed);
  for (int i = 0; i < error_kinds; i++) printf("error %s %ld\n", rd_kafka_err2name(errors[i].err), errors[i].count);
  rd_kafka_destroy(rk);
  return failed == 0 && delivered == count ? 0 : 1;
}
