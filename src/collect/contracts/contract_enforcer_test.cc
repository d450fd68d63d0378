// ContractEnforcer against a real LogManager in a temporary directory and a
// registry stand-in: what reject and dlq do to batches, plain and compressed.
#include "collect/contracts/contract_enforcer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "collect/contracts/dead_letter.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/compression.h"
#include "collect/kafka/txn/producer_states.h"
#include "collect/registry/wire_format.h"
#include "common/varint.h"

namespace loch::contracts {
namespace {

using kafka::ContractDecision;
using Action = ContractDecision::Action;

class FakeRegistry final : public SchemaSource {
 public:
  bool available() override { return up; }
  std::shared_ptr<const registry::ParsedSchema> schema_by_id(int32_t id) override {
    auto it = schemas.find(id);
    return it == schemas.end() ? nullptr : it->second;
  }
  bool is_registered_under(const std::string& subject, int32_t id) override {
    ++subject_lookups;
    return subjects[subject].count(id) != 0;
  }
  bool up = true;
  int subject_lookups = 0;
  std::map<int32_t, std::shared_ptr<const registry::ParsedSchema>> schemas;
  std::map<std::string, std::set<int32_t>> subjects;
};

// Avro {"id": long}: id 1 under orders-value; id 2 exists under another subject.
std::string good_value(int64_t id, int32_t schema = 1) {
  std::string v;
  registry::append_wire_header(schema, v);
  append_varint(id, v);
  return v;
}

class ContractEnforcerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka::LogManagerOptions options;
    options.data_dir = dir_.path();
    options.decompress = [](int codec, std::string_view in) {
      return kafka::decompress(static_cast<kafka::CompressionCodec>(codec), in);
    };
    logs_ = std::move(kafka::LogManager::open(options)).value();
    auto schema = registry::parse_schema(registry::SchemaType::kAvro,
                                         R"({"type":"record","name":"O","fields":[{"name":"id","type":"long"}]})", {});
    source_.schemas[1] = std::move(schema).value();
    source_.schemas[2] = source_.schemas[1];
    source_.subjects["orders-value"] = {1};
    source_.subjects["other-value"] = {2};
  }

  void create(const std::string& policy) {
    ASSERT_TRUE(logs_->create_topic("orders", 1, {{"confluent.value.schema.validation", "true"},
                                                   {"loch.contract.policy", policy}})
                    .is_ok());
  }

  // Five records; 1 names an id of another subject, 3 is not Avro for its schema.
  static std::vector<kafka::SimpleRecord> mixed() {
    return {{"k0", good_value(0)}, {"k1", good_value(1, 2)}, {"k2", good_value(2)},
            {"k3", good_value(3).substr(0, 5)}, {"k4", good_value(4)}};
  }

  std::vector<kafka::Record> records_of(const std::string& topic) {
    auto log = logs_->partition(topic, PartitionId(0));
    EXPECT_NE(log, nullptr);
    std::vector<kafka::Record> out;
    if (!log) return out;
    auto read = log->read(Offset(0), 1 << 20);
    EXPECT_TRUE(read.is_ok());
    std::string_view bytes = read->bytes;
    for (const auto& h : kafka::testing::headers_of(bytes)) {
      auto records = kafka::decode_records(bytes.substr(0, h.total_size()), [](int codec, std::string_view in) {
        return kafka::decompress(static_cast<kafka::CompressionCodec>(codec), in);
      });
      EXPECT_TRUE(records.is_ok());
      for (auto& r : *records) out.push_back(std::move(r));
      bytes.remove_prefix(h.total_size());
    }
    return out;
  }

  kafka::testing::TemporaryDirectory dir_;
  std::unique_ptr<kafka::LogManager> logs_;
  FakeRegistry source_;
};

TEST_F(ContractEnforcerTest, DlqPolicyDivertsBadRecordsWithTheirReasonAndKeepsTheRest) {
  create("dlq");
  ContractEnforcer enforcer(*logs_, source_, [] { return int64_t{1700000000000}; });
  std::string batch = kafka::make_record_batch(mixed(), 1000);
  ContractDecision d = enforcer.check_batch("orders", 0, batch);
  ASSERT_EQ(d.action, Action::kReplace) << d.status.message();
  ASSERT_EQ(d.violations.size(), 2u);
  EXPECT_EQ(d.violations[0].batch_index, 1);
  EXPECT_EQ(d.violations[1].batch_index, 3);
  EXPECT_FALSE(d.keeps_offset_range);
  EXPECT_EQ(logs_->partition("orders.dlq", PartitionId(0)), nullptr) << "checking writes nothing";
  ASSERT_TRUE(d.write_dead_letters);
  ASSERT_TRUE(d.write_dead_letters().is_ok());
  // Appended without an fsync of its own (it runs under the partition's
  // lock): the decision says what an acks=all answer must wait for.
  auto dlq = logs_->partition("orders.dlq", PartitionId(0));
  ASSERT_NE(dlq, nullptr);
  EXPECT_EQ(d.dead_letters_written->log, dlq);
  EXPECT_EQ(d.dead_letters_written->end, dlq->log_end_offset().value());
  EXPECT_EQ(d.dead_letters_written->end, 2);
  EXPECT_LT(dlq->flushed_offset().value(), d.dead_letters_written->end);

  auto log = logs_->partition("orders", PartitionId(0));
  ASSERT_TRUE(log->append(d.kept).is_ok());
  auto kept = records_of("orders");
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].key, "k0");
  EXPECT_EQ(kept[1].key, "k2");
  EXPECT_EQ(kept[2].key, "k4");

  auto letters = records_of("orders.dlq");
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0].key, "k1");
  EXPECT_EQ(letters[0].value, good_value(1, 2));
  auto first = read_dead_letter_headers(letters[0].headers);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(first->topic, "orders");
  EXPECT_EQ(first->partition, 0);
  EXPECT_EQ(first->batch_index, 1);
  EXPECT_EQ(first->schema_id, 2);
  EXPECT_EQ(first->time_ms, 1700000000000);
  EXPECT_NE(first->reason.find("not registered under subject 'orders-value'"), std::string::npos) << first->reason;
  auto second = read_dead_letter_headers(letters[1].headers);
  ASSERT_TRUE(second.is_ok());
  EXPECT_NE(second->reason.find("does not match schema id 1"), std::string::npos) << second->reason;
  EXPECT_TRUE(original_headers(letters[1].headers).empty());
}

TEST_F(ContractEnforcerTest, RejectPolicyNamesEveryBadRecordAndDivertsNothing) {
  create("reject");
  ContractEnforcer enforcer(*logs_, source_);
  ContractDecision d =
      enforcer.check_batch("orders", 0, kafka::make_record_batch(mixed(), 1000));
  ASSERT_EQ(d.action, Action::kReject);
  ASSERT_EQ(d.violations.size(), 2u);
  EXPECT_EQ(d.violations[1].batch_index, 3);
  EXPECT_EQ(logs_->partition("orders.dlq", PartitionId(0)), nullptr);
}

TEST_F(ContractEnforcerTest, CompressedBatchesAreRebuiltWithTheSameCodec) {
  create("dlq");
  ContractEnforcer enforcer(*logs_, source_);
  std::string plain = kafka::make_record_batch(mixed(), 1000);
  // gzip the records section, as a producer with compression.type=gzip does.
  auto compressed = kafka::compress(kafka::CompressionCodec::kGzip,
                                    std::string_view(plain).substr(kafka::RecordBatchHeader::kSize));
  ASSERT_TRUE(compressed.is_ok());
  auto header = kafka::RecordBatchHeader::parse(plain);
  std::string batch = plain.substr(0, kafka::RecordBatchHeader::kSize) + *compressed;
  header->attributes = 1;
  header->batch_length = static_cast<int32_t>(batch.size() - kafka::RecordBatchHeader::kLengthFieldEnd);
  header->write_to(batch.data());
  kafka::put_be32(batch.data() + kafka::RecordBatchHeader::kCrcPos, kafka::compute_batch_crc(batch));

  ContractDecision d = enforcer.check_batch("orders", 0, batch);
  ASSERT_EQ(d.action, Action::kReplace) << d.status.message();
  auto kept_header = kafka::validate_record_batch(d.kept);
  ASSERT_TRUE(kept_header.is_ok()) << kept_header.status().message();
  EXPECT_EQ(kept_header->compression(), 1);
  EXPECT_EQ(kept_header->records_count, 3);
  ASSERT_TRUE(logs_->partition("orders", PartitionId(0))->append(d.kept).is_ok());
  ASSERT_TRUE(d.write_dead_letters().is_ok());
  EXPECT_EQ(records_of("orders").size(), 3u);
  EXPECT_EQ(records_of("orders.dlq").size(), 2u);
}

TEST_F(ContractEnforcerTest, AllBadPlainBatchesAreSkippedAndGoodBatchesPassUntouched) {
  create("dlq");
  ContractEnforcer enforcer(*logs_, source_);
  ContractDecision all_bad = enforcer.check_batch(
      "orders", 0, kafka::make_record_batch({{"a", std::string("junk")}}, 1));
  EXPECT_EQ(all_bad.action, Action::kSkip);
  ASSERT_TRUE(all_bad.write_dead_letters().is_ok());
  EXPECT_EQ(records_of("orders.dlq").size(), 1u);

  int lookups_before = source_.subject_lookups;
  for (int i = 0; i < 3; ++i) {
    ContractDecision ok = enforcer.check_batch("orders", 0, kafka::make_record_batch({{"k", good_value(i)}}, 1));
    EXPECT_EQ(ok.action, Action::kAppend);
    EXPECT_FALSE(ok.write_dead_letters);
  }
  EXPECT_LE(source_.subject_lookups - lookups_before, 1) << "registrations are cached";
}

// An idempotent producer's batch of `values` (offset deltas 0..n-1).
std::string idempotent_batch(int64_t producer_id, int32_t base_sequence, const std::vector<std::string>& values) {
  std::vector<kafka::Record> records(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    records[i].offset_delta = static_cast<int32_t>(i);
    records[i].key = "s" + std::to_string(base_sequence + static_cast<int32_t>(i));
    records[i].value = values[i];
  }
  kafka::RecordBatchHeader header;
  header.producer_id = producer_id;
  header.producer_epoch = 0;
  header.base_sequence = base_sequence;
  header.last_offset_delta = static_cast<int32_t>(values.size()) - 1;
  return kafka::encode_record_batch(header, records);
}

TEST_F(ContractEnforcerTest, IdempotentBatchesKeepTheirSequenceRangeAndRetriesDivertNothingTwice) {
  create("dlq");
  ContractEnforcer enforcer(*logs_, source_);
  kafka::txn::ProducerStates states;
  auto log = logs_->partition("orders", PartitionId(0));
  // The produce path (broker/produce_handler.cc): check, then append through
  // the producer state with the dead letters written just before.
  auto produce = [&](const std::string& batch) {
    ContractDecision d = enforcer.check_batch("orders", 0, batch);
    EXPECT_EQ(d.action, Action::kReplace) << d.status.message();
    EXPECT_TRUE(d.keeps_offset_range);
    kafka::txn::BatchRewrite rewrite{kafka::OffsetGaps::kAllowed, std::move(d.write_dead_letters)};
    return states.append("orders", 0, log, d.kept, kafka::Durability::kNoWait, rewrite);
  };

  std::string first = idempotent_batch(7, 0, {good_value(0), good_value(1, 2), good_value(2)});
  ContractDecision d = enforcer.check_batch("orders", 0, first);
  auto kept = kafka::validate_record_batch(d.kept);
  ASSERT_TRUE(kept.is_ok()) << kept.status().message();
  EXPECT_EQ(kept->producer_id, 7);
  EXPECT_EQ(kept->base_sequence, 0);
  EXPECT_EQ(kept->last_offset_delta, 2) << "the sequence range 0..2 is kept";
  EXPECT_EQ(kept->records_count, 2);

  auto appended = produce(first);
  ASSERT_TRUE(appended.status.is_ok()) << appended.status.message();
  EXPECT_EQ(appended.verdict, kafka::txn::AppendVerdict::kAppend);
  EXPECT_EQ(appended.result.base_offset.value(), 0);
  EXPECT_EQ(appended.result.last_offset.value(), 2);
  // The retry of the same batch: the original's offsets, no second dead letter.
  auto retried = produce(first);
  EXPECT_EQ(retried.verdict, kafka::txn::AppendVerdict::kDuplicate);
  EXPECT_EQ(retried.result.base_offset.value(), 0);
  EXPECT_EQ(retried.result.last_offset.value(), 2);
  // The next batch follows at sequence 3, though only two records were kept;
  // one of only bad records is appended empty so that sequence 5 follows it.
  auto all_bad = produce(idempotent_batch(7, 3, {good_value(3, 2), std::string("junk")}));
  ASSERT_TRUE(all_bad.status.is_ok()) << all_bad.status.message();
  EXPECT_EQ(all_bad.verdict, kafka::txn::AppendVerdict::kAppend);
  EXPECT_EQ(all_bad.result.base_offset.value(), 3);
  auto next = produce(idempotent_batch(7, 5, {good_value(5), good_value(6, 2)}));
  ASSERT_TRUE(next.status.is_ok()) << next.status.message();
  EXPECT_EQ(next.verdict, kafka::txn::AppendVerdict::kAppend);
  EXPECT_EQ(next.result.base_offset.value(), 5);

  std::vector<std::string> keys, letters;
  for (const auto& r : records_of("orders")) keys.push_back(*r.key);
  for (const auto& r : records_of("orders.dlq")) letters.push_back(*r.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"s0", "s2", "s5"}));
  EXPECT_EQ(letters, (std::vector<std::string>{"s1", "s3", "s4", "s6"}));
  EXPECT_EQ(log->log_end_offset().value(), 7);
}

TEST_F(ContractEnforcerTest, TransactionalBatchesStayTransactionalAndTheirDeadLettersAreWrittenOutsideTheTransaction) {
  create("dlq");
  ContractEnforcer enforcer(*logs_, source_);
  std::string batch = idempotent_batch(9, 0, {good_value(0), good_value(1, 2)});
  auto header = kafka::RecordBatchHeader::parse(batch);
  header->attributes = kafka::RecordBatchHeader::kTransactionalFlag;
  header->write_to(batch.data());
  kafka::put_be32(batch.data() + kafka::RecordBatchHeader::kCrcPos, kafka::compute_batch_crc(batch));

  ContractDecision d = enforcer.check_batch("orders", 0, batch);
  ASSERT_EQ(d.action, Action::kReplace) << d.status.message();
  auto kept = kafka::validate_record_batch(d.kept);
  ASSERT_TRUE(kept.is_ok()) << kept.status().message();
  EXPECT_TRUE(kept->is_transactional());
  EXPECT_EQ(kept->producer_id, 9);
  EXPECT_EQ(kept->records_count, 1);
  EXPECT_EQ(kept->last_offset_delta, 1);
  ASSERT_TRUE(d.write_dead_letters().is_ok());
  auto letters = logs_->partition("orders.dlq", PartitionId(0))->read(Offset(0), 1 << 20);
  ASSERT_TRUE(letters.is_ok());
  auto letter_header = kafka::RecordBatchHeader::parse(letters->bytes);
  ASSERT_TRUE(letter_header.is_ok());
  EXPECT_FALSE(letter_header->is_transactional());
  EXPECT_EQ(letter_header->producer_id, -1) << "no producer, no transaction: readable by read_committed consumers at once";
}

TEST_F(ContractEnforcerTest, TopicsWithoutAContractAndAnUnreadyRegistry) {
  ASSERT_TRUE(logs_->create_topic("free", 1).is_ok());
  create("reject");
  ContractEnforcer enforcer(*logs_, source_);
  std::string junk = kafka::make_record_batch({{"a", std::string("junk")}}, 1);
  EXPECT_EQ(enforcer.check_batch("free", 0, junk).action, Action::kAppend);
  source_.up = false;
  ContractDecision waiting = enforcer.check_batch("orders", 0, junk);
  EXPECT_EQ(waiting.action, Action::kFail);
  EXPECT_EQ(waiting.status.code(), StatusCode::kAborted);
  EXPECT_EQ(enforcer.check_batch("free", 0, junk).action, Action::kAppend);
}

TEST(TopicContract, ConfigNamesAndTopicNameStrategyDefaults) {
  kafka::LogConfig config;
  ASSERT_TRUE(config.set("confluent.key.schema.validation", "true").is_ok());
  ASSERT_TRUE(config.set("loch.contract.value.subject", "shared-value").is_ok());
  EXPECT_FALSE(config.set("loch.contract.policy", "drop").is_ok());
  EXPECT_FALSE(config.set("confluent.value.schema.validation", "yes").is_ok());
  TopicContract c = TopicContract::from_config("t", config);
  EXPECT_TRUE(c.check_key);
  EXPECT_FALSE(c.check_value);
  EXPECT_EQ(c.key_subject, "t-key");
  EXPECT_EQ(c.value_subject, "shared-value");
  EXPECT_FALSE(c.dead_letter);
  EXPECT_EQ(dead_letter_topic("t"), "t.dlq");
}

}  // namespace
}  // namespace loch::contracts
