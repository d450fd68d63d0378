// Idempotent produce and transactions through Broker::handle, as bytes on
// the wire: InitProducerId, Produce de-duplication and sequence errors,
// AddPartitionsToTxn / AddOffsetsToTxn / TxnOffsetCommit / EndTxn, Fetch
// read_committed (LSO, aborted_transactions), ListOffsets read_committed,
// DescribeProducers / DescribeTransactions / ListTransactions, and a
// coordinator restart on the same data.
#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/add_offsets_to_txn_request.h"
#include "collect/kafka/protocol/messages/add_offsets_to_txn_response.h"
#include "collect/kafka/protocol/messages/add_partitions_to_txn_request.h"
#include "collect/kafka/protocol/messages/add_partitions_to_txn_response.h"
#include "collect/kafka/protocol/messages/describe_producers_request.h"
#include "collect/kafka/protocol/messages/describe_producers_response.h"
#include "collect/kafka/protocol/messages/describe_transactions_request.h"
#include "collect/kafka/protocol/messages/describe_transactions_response.h"
#include "collect/kafka/protocol/messages/end_txn_request.h"
#include "collect/kafka/protocol/messages/end_txn_response.h"
#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"
#include "collect/kafka/protocol/messages/init_producer_id_request.h"
#include "collect/kafka/protocol/messages/init_producer_id_response.h"
#include "collect/kafka/protocol/messages/list_offsets_request.h"
#include "collect/kafka/protocol/messages/list_offsets_response.h"
#include "collect/kafka/protocol/messages/list_transactions_request.h"
#include "collect/kafka/protocol/messages/list_transactions_response.h"
#include "collect/kafka/protocol/messages/offset_fetch_request.h"
#include "collect/kafka/protocol/messages/offset_fetch_response.h"
#include "collect/kafka/protocol/messages/produce_request.h"
#include "collect/kafka/protocol/messages/produce_response.h"
#include "collect/kafka/protocol/messages/txn_offset_commit_request.h"
#include "collect/kafka/protocol/messages/txn_offset_commit_response.h"
#include "collect/kafka/txn/transaction_state_topic.h"

namespace loch::kafka {
namespace {

using testing::call_broker;

class TxnHandlerTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs({{"out", 1}, {"in", 1}}));
    start();
  }

  // (Re)starts everything above the logs, as `loch serve` does.
  void start() {
    coordinator_.reset();
    broker_.reset();
    ASSERT_NO_FATAL_FAILURE(open_offsets_store(1));
    groups_ = std::make_unique<groups::GroupCoordinator>(groups::GroupCoordinator::Options{}, *store_);
    ASSERT_TRUE(groups_->load().is_ok());
    auto ids = txn::ProducerIdAllocator::open(dir_.path() + "/meta");
    ASSERT_TRUE(ids.is_ok());
    ids_ = std::move(ids).value();
    auto txn_log = txn::TransactionStateTopic::open(*logs_);
    ASSERT_TRUE(txn_log.is_ok());
    txn_log_ = std::move(txn_log).value();
    broker_ = std::make_unique<Broker>(BrokerOptions{}, *logs_);
    broker_->set_group_coordinator(groups_.get());
    broker_->set_producer_ids(ids_.get());
    coordinator_ = std::make_unique<txn::TransactionCoordinator>(
        txn::TransactionCoordinator::Options{}, *txn_log_, *ids_, make_transaction_effects(*broker_), &system_clock_ms);
    ASSERT_TRUE(coordinator_->load().is_ok());
    broker_->set_transaction_coordinator(coordinator_.get());
  }

  template <typename Response, typename Request>
  Response call(const Request& request, int16_t version) {
    return call_broker<Response>(*broker_, request, version, ++correlation_);
  }

  InitProducerIdResponse init(std::optional<std::string> transactional_id) {
    InitProducerIdRequest request;
    request.transactional_id = std::move(transactional_id);
    request.transaction_timeout_ms = 60000;
    request.producer_id = -1;
    request.producer_epoch = -1;
    return call<InitProducerIdResponse>(request, 4);
  }

  static std::string batch(int64_t pid, int16_t epoch, int32_t sequence, int records, bool transactional) {
    RecordBatchHeader header;
    header.magic = RecordBatchHeader::kMagicV2;
    header.producer_id = pid;
    header.producer_epoch = epoch;
    header.base_sequence = sequence;
    header.last_offset_delta = records - 1;
    header.base_timestamp = header.max_timestamp = 1700000000000;
    if (transactional) header.attributes = RecordBatchHeader::kTransactionalFlag;
    std::vector<Record> out;
    for (int i = 0; i < records; ++i) {
      Record r;
      r.offset_delta = i;
      r.value = "v" + std::to_string(sequence + i);
      out.push_back(r);
    }
    return encode_record_batch(header, out);
  }

  ProduceResponse::PartitionProduceResponse produce(const std::string& topic, const std::string& records,
                                                    std::optional<std::string> transactional_id = std::nullopt) {
    ProduceRequest request;
    request.transactional_id = std::move(transactional_id);
    request.acks = -1;
    request.timeout_ms = 1000;
    request.topic_data.emplace_back();
    request.topic_data.back().name = topic;
    request.topic_data.back().partition_data.emplace_back();
    request.topic_data.back().partition_data.back().records = records;
    auto response = call<ProduceResponse>(request, 8);
    EXPECT_EQ(response.responses.size(), 1u);
    return response.responses.empty() ? ProduceResponse::PartitionProduceResponse{}
                                      : response.responses[0].partition_responses.at(0);
  }

  FetchResponse::PartitionData fetch(const std::string& topic, int64_t offset, int8_t isolation) {
    FetchRequest request;
    request.isolation_level = isolation;
    request.max_wait_ms = 0;
    request.min_bytes = 0;
    request.topics.emplace_back();
    request.topics.back().topic = topic;
    request.topics.back().partitions.emplace_back();
    request.topics.back().partitions.back().fetch_offset = offset;
    request.topics.back().partitions.back().partition_max_bytes = 1 << 20;
    auto response = call<FetchResponse>(request, 11);
    EXPECT_EQ(response.responses.size(), 1u);
    return response.responses.empty() ? FetchResponse::PartitionData{} : response.responses[0].partitions.at(0);
  }

  // Values of the data records in a fetched record set (control batches skipped).
  static std::vector<std::string> values(const FetchResponse::PartitionData& data) {
    std::vector<std::string> out;
    const std::string records = data.records.value_or("");
    std::string_view rest = records;
    while (rest.size() >= RecordBatchHeader::kSize) {
      auto header = RecordBatchHeader::parse(rest);
      if (!header.is_ok() || header->total_size() > rest.size()) break;
      if (!header->is_control()) {
        auto records = decode_records(rest.substr(0, header->total_size()));
        EXPECT_TRUE(records.is_ok());
        if (records.is_ok()) {
          for (const auto& r : *records) out.push_back(r.value.value_or(""));
        }
      }
      rest.remove_prefix(header->total_size());
    }
    return out;
  }

  int16_t add_partition(const InitProducerIdResponse& producer, const std::string& id, const std::string& topic) {
    AddPartitionsToTxnRequest request;
    request.v3_and_below_transactional_id = id;
    request.v3_and_below_producer_id = producer.producer_id;
    request.v3_and_below_producer_epoch = producer.producer_epoch;
    request.v3_and_below_topics.emplace_back();
    request.v3_and_below_topics.back().name = topic;
    request.v3_and_below_topics.back().partitions = {0};
    auto response = call<AddPartitionsToTxnResponse>(request, 3);
    return response.results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code;
  }

  int16_t end(const InitProducerIdResponse& producer, const std::string& id, bool commit, int16_t version = 3) {
    EndTxnRequest request;
    request.transactional_id = id;
    request.producer_id = producer.producer_id;
    request.producer_epoch = producer.producer_epoch;
    request.committed = commit;
    return call<EndTxnResponse>(request, version).error_code;
  }

  std::unique_ptr<groups::GroupCoordinator> groups_;
  std::unique_ptr<txn::ProducerIdAllocator> ids_;
  std::unique_ptr<txn::TransactionStateTopic> txn_log_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<txn::TransactionCoordinator> coordinator_;
  int32_t correlation_ = 0;
};

TEST_F(TxnHandlerTest, RetriedIdempotentBatchIsAnsweredWithItsOffsetsAndStoredOnce) {
  auto producer = init(std::nullopt);
  ASSERT_EQ(producer.error_code, 0);
  EXPECT_GE(producer.producer_id, 0);
  EXPECT_EQ(producer.producer_epoch, 0);
  EXPECT_NE(init(std::nullopt).producer_id, producer.producer_id);  // each idempotent producer its own id

  EXPECT_EQ(produce("out", batch(producer.producer_id, 0, 0, 3, false)).base_offset, 0);
  EXPECT_EQ(produce("out", batch(producer.producer_id, 0, 3, 2, false)).base_offset, 3);
  auto retry = produce("out", batch(producer.producer_id, 0, 0, 3, false));
  EXPECT_EQ(retry.error_code, 0);
  EXPECT_EQ(retry.base_offset, 0);
  EXPECT_EQ(logs_->partition("out", PartitionId(0))->log_end_offset().value(), 5);

  auto gap = produce("out", batch(producer.producer_id, 0, 9, 1, false));
  EXPECT_EQ(gap.error_code, wire(KafkaError::kOutOfOrderSequenceNumber));
  auto stale_epoch = produce("out", batch(producer.producer_id, 1, 0, 1, false));
  EXPECT_EQ(stale_epoch.error_code, 0);  // a newer epoch starting at 0 is fine ...
  auto zombie = produce("out", batch(producer.producer_id, 0, 5, 1, false));
  EXPECT_EQ(zombie.error_code, wire(KafkaError::kInvalidProducerEpoch));  // ... and fences the older one
}

TEST_F(TxnHandlerTest, ProducerStateIsRebuiltFromTheLogAfterARestart) {
  auto producer = init(std::nullopt);
  produce("out", batch(producer.producer_id, 0, 0, 3, false));
  start();  // a new broker: its producer state comes from the log
  EXPECT_EQ(produce("out", batch(producer.producer_id, 0, 0, 3, false)).base_offset, 0);
  EXPECT_EQ(produce("out", batch(producer.producer_id, 0, 4, 1, false)).error_code,
            wire(KafkaError::kOutOfOrderSequenceNumber));
  EXPECT_GT(init(std::nullopt).producer_id, producer.producer_id);  // ids are not reused
}

TEST_F(TxnHandlerTest, ReadCommittedSeesCommittedRecordsOnlyAndTheAbortedTransactions) {
  auto producer = init(std::string("t1"));
  ASSERT_EQ(producer.error_code, 0);
  ASSERT_EQ(add_partition(producer, "t1", "out"), 0);
  ASSERT_EQ(produce("out", batch(producer.producer_id, producer.producer_epoch, 0, 3, true), "t1").error_code, 0);

  auto open = fetch("out", 0, 1);
  EXPECT_EQ(open.last_stable_offset, 0);
  EXPECT_TRUE(values(open).empty());
  EXPECT_EQ(values(fetch("out", 0, 0)).size(), 3u);  // read_uncommitted sees it

  ListOffsetsRequest list;
  list.isolation_level = 1;
  list.topics.emplace_back();
  list.topics.back().name = "out";
  list.topics.back().partitions.emplace_back();
  list.topics.back().partitions.back().timestamp = -1;
  EXPECT_EQ(call<ListOffsetsResponse>(list, 2).topics.at(0).partitions.at(0).offset, 0);

  ASSERT_EQ(end(producer, "t1", true), 0);
  auto committed = fetch("out", 0, 1);
  EXPECT_EQ(committed.last_stable_offset, 4);  // 3 records and the COMMIT marker
  EXPECT_EQ(values(committed), (std::vector<std::string>{"v0", "v1", "v2"}));
  EXPECT_EQ(call<ListOffsetsResponse>(list, 2).topics.at(0).partitions.at(0).offset, 4);

  ASSERT_EQ(add_partition(producer, "t1", "out"), 0);
  ASSERT_EQ(produce("out", batch(producer.producer_id, producer.producer_epoch, 3, 2, true), "t1").error_code, 0);
  ASSERT_EQ(end(producer, "t1", false), 0);
  auto after_abort = fetch("out", 0, 1);
  EXPECT_EQ(after_abort.last_stable_offset, 7);
  ASSERT_TRUE(after_abort.aborted_transactions.has_value());
  ASSERT_EQ(after_abort.aborted_transactions->size(), 1u);
  EXPECT_EQ((*after_abort.aborted_transactions)[0].producer_id, producer.producer_id);
  EXPECT_EQ((*after_abort.aborted_transactions)[0].first_offset, 4);
  EXPECT_TRUE(fetch("out", 7, 1).aborted_transactions->empty());  // fetching past it
}

TEST_F(TxnHandlerTest, OffsetsCommittedInATransactionAppearOnlyWhenItCommits) {
  auto producer = init(std::string("etl"));
  AddOffsetsToTxnRequest add;
  add.transactional_id = "etl";
  add.producer_id = producer.producer_id;
  add.producer_epoch = producer.producer_epoch;
  add.group_id = "readers";
  ASSERT_EQ(call<AddOffsetsToTxnResponse>(add, 3).error_code, 0);
  TxnOffsetCommitRequest commit;
  commit.transactional_id = "etl";
  commit.group_id = "readers";
  commit.producer_id = producer.producer_id;
  commit.producer_epoch = producer.producer_epoch;
  commit.topics.emplace_back();
  commit.topics.back().name = "in";
  commit.topics.back().partitions.emplace_back();
  commit.topics.back().partitions.back().partition_index = 0;
  commit.topics.back().partitions.back().committed_offset = 42;
  ASSERT_EQ(call<TxnOffsetCommitResponse>(commit, 3).topics.at(0).partitions.at(0).error_code, 0);

  OffsetFetchRequest offsets;
  offsets.group_id = "readers";
  offsets.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>(1);
  offsets.topics->at(0).name = "in";
  offsets.topics->at(0).partition_indexes = {0};
  EXPECT_EQ(call<OffsetFetchResponse>(offsets, 5).topics.at(0).partitions.at(0).committed_offset, -1);
  ASSERT_EQ(end(producer, "etl", true), 0);
  EXPECT_EQ(call<OffsetFetchResponse>(offsets, 5).topics.at(0).partitions.at(0).committed_offset, 42);
}

TEST_F(TxnHandlerTest, SecondInitFencesTheFirstProducerWithTheVersionsError) {
  auto first = init(std::string("t1"));
  ASSERT_EQ(add_partition(first, "t1", "out"), 0);
  ASSERT_EQ(produce("out", batch(first.producer_id, first.producer_epoch, 0, 1, true), "t1").error_code, 0);
  auto second = init(std::string("t1"));
  ASSERT_EQ(second.error_code, 0);
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_GT(second.producer_epoch, first.producer_epoch);
  EXPECT_EQ(end(first, "t1", true, 3), wire(KafkaError::kProducerFenced));
  EXPECT_EQ(end(first, "t1", true, 1), wire(KafkaError::kInvalidProducerEpoch));
  EXPECT_EQ(produce("out", batch(first.producer_id, first.producer_epoch, 1, 1, true), "t1").error_code,
            wire(KafkaError::kInvalidProducerEpoch));
  // The fenced transaction was aborted: read_committed clients are told to
  // drop its record (the broker sends the bytes with the aborted list).
  auto data = fetch("out", 0, 1);
  EXPECT_EQ(data.last_stable_offset, 2);
  ASSERT_TRUE(data.aborted_transactions.has_value());
  ASSERT_EQ(data.aborted_transactions->size(), 1u);
  EXPECT_EQ((*data.aborted_transactions)[0].first_offset, 0);
}

TEST_F(TxnHandlerTest, OperatorsSeeProducersAndTransactions) {
  auto producer = init(std::string("t1"));
  ASSERT_EQ(add_partition(producer, "t1", "out"), 0);
  ASSERT_EQ(produce("out", batch(producer.producer_id, producer.producer_epoch, 0, 2, true), "t1").error_code, 0);

  DescribeTransactionsRequest describe;
  describe.transactional_ids = {"t1", "nobody"};
  auto described = call<DescribeTransactionsResponse>(describe, 0);
  ASSERT_EQ(described.transaction_states.size(), 2u);
  EXPECT_EQ(described.transaction_states[0].transaction_state, "Ongoing");
  EXPECT_EQ(described.transaction_states[0].producer_id, producer.producer_id);
  ASSERT_EQ(described.transaction_states[0].topics.size(), 1u);
  EXPECT_EQ(described.transaction_states[0].topics[0].topic, "out");
  EXPECT_EQ(described.transaction_states[1].error_code, wire(KafkaError::kTransactionalIdNotFound));

  ListTransactionsRequest list;
  list.state_filters = {"Ongoing", "Bogus"};
  auto listed = call<ListTransactionsResponse>(list, 1);
  ASSERT_EQ(listed.transaction_states.size(), 1u);
  EXPECT_EQ(listed.transaction_states[0].transactional_id, "t1");
  EXPECT_EQ(listed.unknown_state_filters, std::vector<std::string>{"Bogus"});

  DescribeProducersRequest producers;
  producers.topics.emplace_back();
  producers.topics.back().name = "out";
  producers.topics.back().partition_indexes = {0};
  auto active = call<DescribeProducersResponse>(producers, 0);
  ASSERT_EQ(active.topics.at(0).partitions.at(0).active_producers.size(), 1u);
  const auto& state = active.topics[0].partitions[0].active_producers[0];
  EXPECT_EQ(state.producer_id, producer.producer_id);
  EXPECT_EQ(state.last_sequence, 1);
  EXPECT_EQ(state.current_txn_start_offset, 0);
}

TEST_F(TxnHandlerTest, TransactionalIdKeepsItsProducerIdAcrossARestart) {
  auto before = init(std::string("t1"));
  ASSERT_EQ(add_partition(before, "t1", "out"), 0);
  start();
  auto described = coordinator_->describe("t1");
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->state, txn::TxnState::kOngoing);
  auto after = init(std::string("t1"));
  EXPECT_EQ(after.producer_id, before.producer_id);
  EXPECT_GT(after.producer_epoch, before.producer_epoch);
}

}  // namespace
}  // namespace loch::kafka
