// ContractEnforcer: the broker's RecordContract (collect/kafka/broker/
// record_contract.h) for topics whose configs ask for a contract
// (confluent.key/value.schema.validation, loch.contract.*; doc/registry-contracts.md).
//
// For each produced batch: every record is checked (ContractChecker); with
// policy `reject` one bad record refuses the whole batch (INVALID_RECORD,
// each bad record listed by batch index); with policy `dlq` the bad records
// are appended to `<topic>.dlq` (created with one partition on first use)
// with the dead-letter headers, and the batch is rebuilt without them (same
// compression) for the topic. The decision carries the dead-letter append;
// the produce path runs it once per new batch (never for a retry that is a
// duplicate), just before the rebuilt batch is appended.
//
// A plain producer's batch is renumbered 0..n-1. An idempotent or
// transactional producer's batch keeps its producer id, epoch, base
// sequence and offset range (holes where the bad records were; possibly no
// record at all), so sequence checks and de-duplication work unchanged.
// Dead letters of a transactional batch are written outside the
// transaction (doc/registry-contracts.md says why).
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

  kafka::ContractDecision check_batch(const std::string& topic, int32_t partition, std::string_view batch) override;

 private:
  // The batch for `<topic>.dlq`: the bad records with the dead-letter headers.
  Result<std::string> dead_letter_batch(const std::string& topic, int32_t partition,
                                        const kafka::RecordBatchHeader& header,
                                        const std::vector<kafka::RecordView>& records,
                                        const std::vector<std::pair<size_t, Violation>>& bad);
  // Appends it without waiting for the disk, creating the dead-letter topic
  // (one partition) on first use; `written` says where it ended.
  Status append_dead_letters(const std::string& dlq, std::string_view batch, kafka::DeadLettersWritten& written);

  kafka::LogManager& logs_;
  ContractChecker checker_;
  NowMs now_ms_;
};

}  // namespace loch::contracts
