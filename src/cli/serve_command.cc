#include "cli/serve_command.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/common_options.h"
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/broker/kafka_server.h"
#include "collect/kafka/groups/group_coordinator.h"
#include "collect/kafka/log/log_manager.h"
#include "collect/kafka/protocol/compression.h"
#include "collect/kafka/txn/transaction_state_topic.h"
#include "common/shutdown.h"
#include "collect/contracts/contract_enforcer.h"
#include "collect/contracts/store_schema_source.h"
#include "process/host/pipeline_host.h"
#include "common/net/http_bearer.h"
#include "common/net/http_server.h"
#include "serve/http/pipelines_api.h"
#include "serve/registry/embedded_registry.h"

namespace loch::cli {
namespace {

struct ServeOptions {
  CommonOptions common;
  std::string kafka_host = "0.0.0.0";
  int kafka_port = 9092;
  std::string advertised_host = "localhost";
  int advertised_port = 0;  // 0: the listening port
  int node_id = 1;
  bool auto_create_topics = true;
  int num_partitions = 1;
  std::string flush_policy = "every-batch";
  int flush_ms = 1000;
  int io_threads = 2;
  int maintenance_interval_ms = 30000;
  int producer_id_expiration_ms = 86400000;  // producer.id.expiration.ms (a day, as Kafka)
  int transactional_id_expiration_ms = 604800000;  // transactional.id.expiration.ms (7 days, as Kafka)
  // Schema registry (Confluent's REST API), stored in the _schemas topic.
  bool registry_enabled = true;
  std::string registry_host = "0.0.0.0";
  int registry_port = 8081;
  // Consumer groups, with Kafka's broker defaults.
  int offsets_topic_partitions = kafka::kDefaultConsumerOffsetsPartitions;  // offsets.topic.num.partitions
  int group_initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int group_min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  int group_max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  // The HTTP API (pipelines, /metrics) and the project whose pipelines run here.
  bool http_enabled = true;
  std::string http_host = "0.0.0.0";
  int http_port = 8080;
  std::string http_token;
  std::string project;  // "": no pipelines
};

// Calls the coordinators' tick() every 100 ms on its own thread, so that
// session timeouts, join phases and transaction timeouts end on time even
// while the main thread runs a long compaction. Kafka's timeouts are seconds.
class GroupTicker {
 public:
  explicit GroupTicker(std::function<void()> tick)
      : thread_([this, tick = std::move(tick)] {
          while (!stop_.load()) {
            tick();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~GroupTicker() {
    stop_.store(true);
    thread_.join();
  }
  GroupTicker(const GroupTicker&) = delete;
  GroupTicker& operator=(const GroupTicker&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The cluster id, made once (22 characters of URL-safe base64, like
// Kafka's) and kept in <data-dir>/meta/cluster_id so that clients see the
// same cluster across restarts.
Result<std::string> load_or_create_cluster_id(const std::filesystem::path& data_dir) {
  std::filesystem::path meta = data_dir / "meta";
  std::filesystem::path file = meta / "cluster_id";
  std::error_code ec;
  std::filesystem::create_directories(meta, ec);
  if (ec) return Status::io_error("cannot create " + meta.string() + ": " + ec.message());
  if (std::ifstream in(file); in) {
    std::string id;
    std::getline(in, id);
    if (!id.empty()) return id;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device random;
  std::string id;
  for (int i = 0; i < 22; ++i) id += kAlphabet[random() % 64];
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << id << "\n";
    if (!out) return Status::io_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Status::io_error("cannot write " + file.string() + ": " + ec.message());
  return id;
}

int run_serve(ServeOptions& options, Settings& settings) {
  if (Status s = finish_common_options(settings, options.common); !s.is_ok()) {
    std::cerr << "loch serve: " << s.message() << "\n";
    return 2;
  }
  std::filesystem::path data_dir = options.common.data_dir;
  auto cluster_id = load_or_create_cluster_id(data_dir);
  if (!cluster_id.is_ok()) {
    spdlog::error("{}", cluster_id.status().message());
    return 1;
  }

  kafka::LogConfig defaults;
  if (Status s = defaults.set("loch.flush.policy", options.flush_policy); !s.is_ok()) {
    std::cerr << "loch serve: --kafka-flush-policy: " << s.message() << "\n";
    return 2;
  }
  if (Status s = defaults.set("flush.ms", std::to_string(options.flush_ms)); !s.is_ok()) {
    std::cerr << "loch serve: --kafka-flush-ms: " << s.message() << "\n";
    return 2;
  }

  kafka::LogManagerOptions log_options;
  log_options.data_dir = data_dir.string();
  log_options.defaults = defaults;
  // Compaction and ListOffsets by timestamp look inside compressed batches
  // with the protocol library's codecs; without them a compressed batch's
  // keys would never supersede older ones.
  log_options.decompress = [](int codec, std::string_view compressed) {
    return kafka::decompress(static_cast<kafka::CompressionCodec>(codec), compressed);
  };
  auto logs = kafka::LogManager::open(log_options);
  if (!logs.is_ok()) {
    spdlog::error("cannot open the Kafka logs in {}: {}", (data_dir / "kafka").string(), logs.status().message());
    return 1;
  }

  kafka::BrokerOptions broker_options;
  broker_options.node_id = options.node_id;
  broker_options.advertised_host = options.advertised_host;
  broker_options.cluster_id = *cluster_id;
  broker_options.auto_create_topics = options.auto_create_topics;
  broker_options.num_partitions = options.num_partitions;
  broker_options.log_defaults = defaults;

  // Consumer groups: offsets and memberships live in __consumer_offsets,
  // replayed before the listener accepts a request.
  auto offsets_store = kafka::ConsumerOffsetsStore::open(**logs, options.offsets_topic_partitions);
  if (!offsets_store.is_ok()) {
    spdlog::error("cannot open {}: {}", kafka::kConsumerOffsetsTopic, offsets_store.status().message());
    return 1;
  }
  kafka::groups::GroupCoordinator::Options group_options;
  group_options.initial_rebalance_delay = std::chrono::milliseconds(options.group_initial_rebalance_delay_ms);
  group_options.min_session_timeout = std::chrono::milliseconds(options.group_min_session_timeout_ms);
  group_options.max_session_timeout = std::chrono::milliseconds(options.group_max_session_timeout_ms);
  kafka::LogManager& log_manager = **logs;
  group_options.partition_exists = [&log_manager](const std::string& topic, PartitionId partition) {
    return log_manager.partition(topic, partition) != nullptr;
  };
  kafka::groups::GroupCoordinator coordinator(group_options, **offsets_store);
  if (Status s = coordinator.load(); !s.is_ok()) {
    spdlog::error("cannot load consumer groups from {}: {}", kafka::kConsumerOffsetsTopic, s.message());
    return 1;
  }

  // Producer ids for idempotent and transactional producers, never reused
  // across restarts (<data-dir>/meta/producer_id_block).
  auto producer_ids = kafka::txn::ProducerIdAllocator::open((data_dir / "meta").string());
  if (!producer_ids.is_ok()) {
    spdlog::error("cannot open the producer id block: {}", producer_ids.status().message());
    return 1;
  }

  kafka::KafkaServer::Options server_options;
  server_options.host = options.kafka_host;
  server_options.port = static_cast<uint16_t>(options.kafka_port);
  server_options.threads = options.io_threads;
  kafka::KafkaServer server(server_options);
  if (Status s = server.bind(); !s.is_ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  broker_options.advertised_port = options.advertised_port != 0 ? options.advertised_port : server.bound_port();
  kafka::Broker broker(broker_options, **logs);
  broker.set_group_coordinator(&coordinator);
  // Data contracts: checked against the embedded registry's store, attached
  // once it has replayed _schemas (until then contract topics answer a
  // retriable error).
  contracts::StoreSchemaSource contract_schemas;
  contracts::ContractEnforcer contract_enforcer(**logs, contract_schemas);
  broker.set_record_contract(&contract_enforcer);
  broker.set_producer_ids(producer_ids->get());
  // Transactions: the coordinator's log is __transaction_state; loading it
  // completes transactions that were being committed or aborted at a crash.
  auto transaction_log = kafka::txn::TransactionStateTopic::open(**logs);
  if (!transaction_log.is_ok()) {
    spdlog::error("cannot open {}: {}", kafka::txn::kTransactionStateTopic, transaction_log.status().message());
    return 1;
  }
  kafka::txn::TransactionCoordinator::Options transaction_options;
  transaction_options.transactional_id_expiration_ms = options.transactional_id_expiration_ms;
  kafka::txn::TransactionCoordinator transactions(transaction_options, **transaction_log, **producer_ids,
                                                  kafka::make_transaction_effects(broker), &kafka::system_clock_ms);
  if (Status s = transactions.load(); !s.is_ok()) {
    spdlog::error("cannot load transactions from {}: {}", kafka::txn::kTransactionStateTopic, s.message());
    return 1;
  }
  broker.set_transaction_coordinator(&transactions);
  auto ticker = std::make_unique<GroupTicker>([&coordinator, &transactions] {
    coordinator.tick();
    transactions.tick();
  });
  server.start(broker);

  std::unique_ptr<serve::EmbeddedRegistry> registry;
  if (options.registry_enabled) {
    auto started = serve::EmbeddedRegistry::start(**logs, {options.registry_host, options.registry_port});
    if (!started.is_ok()) {
      spdlog::error("{} (another registry on this port? see --registry-port, --registry-enabled)",
                    started.status().message());
      return 1;
    }
    registry = std::move(started).value();
    contract_schemas.attach(&registry->store());
  }

  // Pipelines of --project on this broker, each in its own thread; the
  // HTTP API starts, stops and reports on them (doc/pipelines.md, "Operations").
  std::vector<pipeline::PipelineDefinition> pipelines;
  if (!options.project.empty()) {
    auto loaded = pipeline::load_project_pipelines(options.project);
    if (!loaded.is_ok()) {
      spdlog::error("--project {}: {}", options.project, loaded.status().message());
      return 1;
    }
    pipelines = std::move(loaded).value();
  }
  runner::RunOptions run_options;
  run_options.data_dir = data_dir;
  run_options.default_bootstrap = "127.0.0.1:" + std::to_string(server.bound_port());
  host::PipelineHost pipeline_host(std::move(pipelines), run_options);
  serve::http::PipelinesApi pipelines_api(pipeline_host);
  HttpServer::Options http_options;
  http_options.host = options.http_host;
  http_options.port = static_cast<uint16_t>(options.http_port);
  HttpServer http_server(http_options,
                         require_bearer_token(options.http_token, [&pipelines_api](const HttpRequest& request) {
                           return pipelines_api.handle(request);
                         }));
  if (options.http_enabled) {
    if (Status s = http_server.bind(); !s.is_ok()) {
      spdlog::error("{} (another server on this port? see --http-port, --http-enabled)", s.message());
      return 1;
    }
    http_server.start();
    // Logged before the broker's line, which tests wait for (tests/lib/serve.sh).
    spdlog::info("http: listening on {}:{} ({} pipeline(s), {})", options.http_host, http_server.bound_port(),
                 pipeline_host.status().size(), options.http_token.empty() ? "no authentication" : "bearer token");
  }
  pipeline_host.start_autostart();

  spdlog::info("loch serve: data directory {}, cluster id {}", data_dir.string(), *cluster_id);
  spdlog::info("kafka: listening on {}:{} (advertised as {}:{}), {} topic(s)", options.kafka_host,
               server.bound_port(), broker_options.advertised_host, broker_options.advertised_port,
               (*logs)->list_topics().size());

  auto next_maintenance = std::chrono::steady_clock::now();
  auto next_flush = next_maintenance;
  while (!ShutdownSignal::requested()) {
    // acks=0/1 data reaches the disk within flush.ms: each partition's
    // flush_if_due fsyncs when its interval has passed (retention and
    // compaction, below, run less often).
    if (std::chrono::steady_clock::now() >= next_flush) {
      for (const auto& topic : (*logs)->list_topics()) {
        for (int32_t p = 0; p < topic.partitions; ++p) {
          if (auto log = (*logs)->partition(topic.name, PartitionId(p))) {
            if (Status s = log->flush_if_due(); !s.is_ok()) spdlog::error("kafka flush {}-{}: {}", topic.name, p, s.message());
          }
        }
      }
      next_flush = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(10, options.flush_ms / 2));
    }
    if (std::chrono::steady_clock::now() >= next_maintenance) {
      kafka::MaintenanceReport report = (*logs)->run_maintenance();
      for (const auto& error : report.errors) spdlog::warn("kafka maintenance: {}", error);
      if (report.segments_deleted > 0 || report.segments_compacted > 0) {
        spdlog::info("kafka maintenance: {} segment(s) deleted by retention, {} compacted", report.segments_deleted,
                     report.segments_compacted);
      }
      // Idempotent producers idle for producer.id.expiration.ms lose their
      // per-partition state, so that it does not grow without end.
      if (size_t expired = broker.producer_states().expire_producers(kafka::system_clock_ms(),
                                                                     options.producer_id_expiration_ms)) {
        spdlog::info("kafka maintenance: the state of {} idle producer(s) expired (producer.id.expiration.ms {})",
                     expired, options.producer_id_expiration_ms);
      }
      next_maintenance = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.maintenance_interval_ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  spdlog::info("loch serve: shutting down");
  http_server.stop();
  // Pipelines end between batches, while the broker still answers them.
  pipeline_host.stop_all();
  if (registry) registry->stop();
  // Waiting JoinGroup / SyncGroup requests get COORDINATOR_NOT_AVAILABLE (the
  // clients then look for the coordinator again) before connections close.
  ticker.reset();
  coordinator.shutdown();
  server.stop();
  if (Status s = (*logs)->flush_all(); !s.is_ok()) {
    spdlog::error("flushing the Kafka logs: {}", s.message());
    return 1;
  }
  spdlog::info("loch serve: stopped cleanly");
  return 0;
}

}  // namespace

void register_serve_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<ServeOptions>();
  options->common.log.level = "info";  // a server says what listens where
  CLI::App* command = app.add_subcommand("serve", "Run the broker (Kafka protocol), the schema registry, the HTTP API and the --project pipelines on the data directory until SIGTERM");
  settings.add(command, "--kafka-host", "kafka.host", &options->kafka_host, "Address the Kafka listener binds");
  settings.add(command, "--kafka-port", "kafka.port", &options->kafka_port, "Kafka listener port (0: any free port)");
  settings.add(command, "--advertised-host", "kafka.advertised_host", &options->advertised_host,
               "Host clients are told to connect to (advertised.listeners)");
  settings.add(command, "--advertised-port", "kafka.advertised_port", &options->advertised_port,
               "Port clients are told to connect to (0: the listening port)");
  settings.add(command, "--node-id", "kafka.node_id", &options->node_id, "This broker's node id");
  settings.add(command, "--auto-create-topics", "kafka.auto_create_topics", &options->auto_create_topics,
               "Create unknown topics on first metadata request (auto.create.topics.enable)");
  settings.add(command, "--num-partitions", "kafka.num_partitions", &options->num_partitions,
               "Partitions of auto-created topics (num.partitions)");
  settings.add(command, "--kafka-flush-policy", "kafka.flush_policy", &options->flush_policy,
               "every-batch: fsync before acks=all is answered; interval: fsync every --kafka-flush-ms");
  settings.add(command, "--kafka-flush-ms", "kafka.flush_ms", &options->flush_ms, "fsync interval of the interval policy");
  settings.add(command, "--io-threads", "kafka.io_threads", &options->io_threads, "Network threads");
  settings.add(command, "--maintenance-interval-ms", "kafka.maintenance_interval_ms", &options->maintenance_interval_ms,
               "How often retention and compaction run");
  settings.add(command, "--producer-id-expiration-ms", "kafka.producer_id_expiration_ms",
               &options->producer_id_expiration_ms,
               "Idle time after which a producer's sequence state is dropped (producer.id.expiration.ms)");
  settings.add(command, "--transactional-id-expiration-ms", "kafka.transactional_id_expiration_ms",
               &options->transactional_id_expiration_ms,
               "Idle time after which a transactional id is forgotten (transactional.id.expiration.ms)");
  settings.add(command, "--offsets-topic-partitions", "kafka.offsets_topic_partitions",
               &options->offsets_topic_partitions,
               "Partitions of __consumer_offsets when it is created (offsets.topic.num.partitions)");
  settings.add(command, "--group-initial-rebalance-delay-ms", "kafka.group_initial_rebalance_delay_ms",
               &options->group_initial_rebalance_delay_ms,
               "How long a new group waits for more members before its first rebalance "
               "(group.initial.rebalance.delay.ms)");
  settings.add(command, "--group-min-session-timeout-ms", "kafka.group_min_session_timeout_ms",
               &options->group_min_session_timeout_ms, "Smallest session timeout a consumer may ask for");
  settings.add(command, "--group-max-session-timeout-ms", "kafka.group_max_session_timeout_ms",
               &options->group_max_session_timeout_ms, "Largest session timeout a consumer may ask for");
  settings.add(command, "--registry-enabled", "registry.enabled", &options->registry_enabled,
               "Run the schema registry (Confluent Schema Registry REST API) in this process");
  settings.add(command, "--registry-host", "registry.host", &options->registry_host,
               "Address the schema registry's HTTP listener binds");
  settings.add(command, "--registry-port", "registry.port", &options->registry_port,
               "Schema registry HTTP port (0: any free port)");
  settings.add(command, "--http-enabled", "http.enabled", &options->http_enabled,
               "Run the HTTP API (pipelines start/stop/status, /metrics) in this process");
  settings.add(command, "--http-host", "http.host", &options->http_host,
               "Address the HTTP API (pipelines, /metrics) binds");
  settings.add(command, "--http-port", "http.port", &options->http_port,
               "HTTP API port: /api/pipelines, /metrics (0: any free port)");
  settings.add(command, "--http-token", "http.token", &options->http_token,
               "Require 'Authorization: Bearer TOKEN' on every HTTP API request, /metrics included "
               "(empty: no authentication; bind --http-host to a private address then)");
  settings.add(command, "--project", "pipelines.project", &options->project,
               "Project directory whose pipelines/*.yaml run here (those without autostart: false start at once)");
  add_common_options(command, settings, options->common);
  command->callback([options, &settings, exit_code] { *exit_code = run_serve(*options, settings); });
}

}  // namespace loch::cli
