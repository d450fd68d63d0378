#include "collect/kafka/broker/contract_step.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "collect/kafka/broker/kafka_errors.h"

namespace loch::kafka {

ContractStep apply_record_contract(Broker& broker, const std::string& topic, int32_t partition, std::string_view& batch,
                                   ContractDecision& decision,
                                   ProduceResponse::PartitionProduceResponse& out) {
  RecordContract* contract = broker.record_contract();
  if (contract == nullptr) return ContractStep::kAppend;
  decision = contract->check_batch(topic, partition, batch);
  switch (decision.action) {
    case ContractDecision::Action::kAppend: return ContractStep::kAppend;
    case ContractDecision::Action::kReplace:
      batch = decision.kept;
      return ContractStep::kAppend;
    case ContractDecision::Action::kSkip: return ContractStep::kSkip;
    case ContractDecision::Action::kReject: {
      // KIP-467: record_errors names every bad record (Produce v8+); the
      // message repeats the first few for older clients and logs.
      std::string message = fmt::format("{} record(s) break the contract of topic {}:", decision.violations.size(), topic);
      size_t shown = 0;
      for (const auto& v : decision.violations) {
        ProduceResponse::BatchIndexAndErrorMessage error;
        error.batch_index = v.batch_index;
        error.batch_index_error_message = v.reason;
        out.record_errors.push_back(std::move(error));
        if (shown++ < 3) message += fmt::format(" record {}: {};", v.batch_index, v.reason);
      }
      if (decision.violations.size() > 3) message += " ...";
      out.error_code = wire(KafkaError::kInvalidRecord);
      out.error_message = message;
      out.base_offset = -1;
      spdlog::info("kafka: produce to {}-{} refused: {}", topic, partition, message);
      return ContractStep::kRefused;
    }
    case ContractDecision::Action::kFail:
      out.error_code = wire(produce_error_for(decision.status));
      out.error_message = decision.status.message();
      out.base_offset = -1;
      spdlog::warn("kafka: produce to {}-{} failed in its contract check: {}", topic, partition, decision.status.message());
      return ContractStep::kRefused;
  }
  return ContractStep::kAppend;
}

}  // namespace loch::kafka
