/* mock_cluster [BROKERS [TOPIC:PARTITIONS ...]]
 *
 * A second Kafka-protocol broker for the tests: librdkafka's mock cluster
 * (rd_kafka_mock_cluster_new, BROKERS brokers, default 3) listening on
 * localhost. Creates each TOPIC with PARTITIONS partitions (replication
 * factor min(3, BROKERS)), prints one line "bootstrap HOST:PORT,..." and
 * serves until SIGTERM or SIGINT. The mock cluster keeps everything in
 * memory and implements what librdkafka's own tests need (produce, fetch,
 * metadata, offsets, groups, idempotent and transactional producers); it
 * ignores topic configs such as cleanup.policy. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 3;
  if (brokers < 1) {
    fprintf(stderr, "mock_cluster: BROKERS must be at least 1, got '%s'\n", argv[1]);
    return 2;
  }
  /* Block the stop signals before any librdkafka thread starts, so that
   * sigwait below receives them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "4", err, sizeof(err)); /* no notice about the missing bootstrap.servers */
  /* The mock cluster needs a client instance to live in; this one sends nothing. */
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) {
    fprintf(stderr, "mock_cluster: rd_kafka_mock_cluster_new(%d) failed\n", brokers);
    return 1;
  }
  int replication = brokers < 3 ? brokers : 3;
  for (int i = 2; i < argc; i++) {
    char topic[256];
    const char *colon = strrchr(argv[i], ':');
    int partitions = colon ? atoi(colon + 1) : 0;
    size_t length = colon ? (size_t)(colon - argv[i]) : 0;
    if (!colon || partitions < 1 || length == 0 || length >= sizeof(topic)) {
      fprintf(stderr, "mock_cluster: '%s' is not TOPIC:PARTITIONS\n", argv[i]);
      return 2;
    }
    memcpy(topic, argv[i], length);
    topic[length] = '\0';
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(cluster, topic, partitions, replication);
    if (e) {
      fprintf(stderr, "mock_cluster: creating %s: %s\n", topic, rd_kafka_err2str(e));
      return 1;
    }
  }
  printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
