// ContractEnforcer: the broker's RecordContract (collect/kafka/broker/
// record_contract.h) for topics whose configs ask for a contract
// (confluent.key/value.schema.validation, loch.contract.*; doc/registry-contracts.md).
//
// For each produced batch: every record is checked (ContractChecker); with
// policy `reject` one bad record refuses the whole batch (INVALID_RECORD,
// each bad record listed by batch index); with policy `dlq` the bad records
// are appended to `<topic>.dlq` (created with one partition on first use)
// with the dead-letter headers, durably, and the batch is rebuilt without
// them (offset deltas renumbered, same compression) for the topic.
//
// Batches of idempotent or transactional producers are never split: removing
// records would break the producer's sequence numbers, so such a batch with
// a bad record is refused as under `reject` (the producer learns which one).
#pragma once

#include <functional>

#include "collect/contracts/contract_checker.h"
#include "collect/kafka/broker/record_contract.h"
#include "collect/kafka/log/log_manager.h"

namespace loch::contracts {

class ContractEnforcer final : public kafka::RecordContract {
 public:
  using NowMs = std::function<int64_t()>;
  // `logs` and `source` must outlive the enforcer.
  ContractEnforcer(kafka::LogManager& logs, SchemaSource& source, NowMs now_ms = {});

  kafka::ContractDecision check_batch(const std::string& topic, int32_t partition, std::string_view batch,
                                      kafka::Durability durability) override;

 private:
  Status divert(const std::string& topic, int32_t partition, const kafka::RecordBatchHeader& header,
                const std::vector<kafka::Record>& records, const std::vector<std::pair<size_t, Violation>>& bad,
                kafka::Durability durability);

  kafka::LogManager& logs_;
  ContractChecker checker_;
  NowMs now_ms_;
};

}  // namespace loch::contracts
