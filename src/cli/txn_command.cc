// `loch txn list|describe`: the transaction coordinator's view of
// transactional ids (ListTransactions / DescribeTransactions, which
// librdkafka has no call for: sent with loch's codecs, collect/kafka/client/kafka_connection.h).
#include <iostream>
#include <memory>

#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"
#include "collect/kafka/client/kafka_connection.h"
#include "collect/kafka/protocol/messages/describe_transactions_request.h"
#include "collect/kafka/protocol/messages/describe_transactions_response.h"
#include "collect/kafka/protocol/messages/find_coordinator_request.h"
#include "collect/kafka/protocol/messages/find_coordinator_response.h"
#include "collect/kafka/protocol/messages/list_transactions_request.h"
#include "collect/kafka/protocol/messages/list_transactions_response.h"

namespace loch::cli {
namespace {

struct TxnOptions {
  KafkaClientOptions client;
  std::string transactional_id;
  std::vector<std::string> states;  // --state
};

std::string first_bootstrap(const KafkaClientOptions& options) {
  return options.bootstrap.substr(0, options.bootstrap.find(','));
}

Result<std::unique_ptr<kafka::client::KafkaConnection>> connect_to(const std::string& address, const TxnOptions& options) {
  return kafka::client::KafkaConnection::connect(address, "loch", options.client.timeout_ms);
}

Status list(TxnOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto client, connect_to(first_bootstrap(options.client), options));
  kafka::ListTransactionsRequest request;
  request.state_filters = options.states;
  LOCH_ASSIGN_OR_RETURN(auto response, client->call<kafka::ListTransactionsResponse>(request, 0));
  if (response.error_code != 0) return Status::io_error("ListTransactions failed with error " + std::to_string(response.error_code));
  for (const auto& unknown : response.unknown_state_filters) std::cerr << "unknown state: " << unknown << "\n";
  std::printf("%-40s %12s  %s\n", "TransactionalId", "ProducerId", "State");
  for (const auto& txn : response.transaction_states) {
    std::printf("%-40s %12lld  %s\n", txn.transactional_id.c_str(), static_cast<long long>(txn.producer_id),
                txn.transaction_state.c_str());
  }
  return Status::ok();
}

Status describe(TxnOptions& options) {
  // The transaction coordinator of the id answers DescribeTransactions.
  LOCH_ASSIGN_OR_RETURN(auto bootstrap, connect_to(first_bootstrap(options.client), options));
  kafka::FindCoordinatorRequest find;
  find.key = options.transactional_id;
  find.key_type = 1;  // transaction
  LOCH_ASSIGN_OR_RETURN(auto coordinator, bootstrap->call<kafka::FindCoordinatorResponse>(find, 1));
  if (coordinator.error_code != 0) {
    return Status::io_error("FindCoordinator for '" + options.transactional_id + "' failed with error " +
                            std::to_string(coordinator.error_code));
  }
  auto client = connect_to(coordinator.host + ":" + std::to_string(coordinator.port), options);
  if (!client.is_ok()) client = std::move(bootstrap);  // an advertised address this host cannot reach
  kafka::DescribeTransactionsRequest request;
  request.transactional_ids = {options.transactional_id};
  LOCH_ASSIGN_OR_RETURN(auto response, (*client)->call<kafka::DescribeTransactionsResponse>(request, 0));
  if (response.transaction_states.size() != 1) return Status::corruption("DescribeTransactions: no state in the answer");
  const auto& txn = response.transaction_states[0];
  if (txn.error_code == 105) return Status::not_found("no transactional id '" + options.transactional_id + "'");
  if (txn.error_code != 0) return Status::io_error("DescribeTransactions failed with error " + std::to_string(txn.error_code));
  std::cout << "TransactionalId: " << txn.transactional_id << "\n"
            << "State: " << txn.transaction_state << "\n"
            << "ProducerId: " << txn.producer_id << "  ProducerEpoch: " << txn.producer_epoch << "\n"
            << "TransactionTimeoutMs: " << txn.transaction_timeout_ms << "\n"
            << "TransactionStartTimeMs: " << txn.transaction_start_time_ms << "\n"
            << "Partitions:";
  for (const auto& topic : txn.topics) {
    for (int32_t p : topic.partitions) std::cout << " " << topic.topic << "-" << p;
  }
  std::cout << "\n";
  return Status::ok();
}

}  // namespace

void register_txn_command(CLI::App& app, Settings& settings, int* exit_code) {
  CLI::App* txn = app.add_subcommand("txn", "List and describe Kafka transactions (transactional ids)");
  txn->require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& help, Status (*action)(TxnOptions&),
                 const std::function<void(CLI::App*, TxnOptions&)>& extra) {
    auto options = std::make_shared<TxnOptions>();
    CLI::App* command = txn->add_subcommand(name, help);
    extra(command, *options);
    add_kafka_client_options(command, settings, options->client);
    command->callback([options, &settings, exit_code, action, name] {
      *exit_code = run_kafka_command("txn " + name, settings, options->client, [&] { return action(*options); });
    });
  };
  add("list", "Transactional ids with their producer id and state", list, [](CLI::App* command, TxnOptions& options) {
    command->add_option("--state", options.states, "Only these states (Ongoing, CompleteCommit, ...), repeatable");
  });
  add("describe", "State, producer, timeout and partitions of one transactional id", describe,
      [](CLI::App* command, TxnOptions& options) {
        command->add_option("transactional_id", options.transactional_id, "The transactional.id")->required();
      });
}

}  // namespace loch::cli
