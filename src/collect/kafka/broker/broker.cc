#include "collect/kafka/broker/broker.h"

#include <algorithm>
#include <array>

#include <spdlog/spdlog.h>

namespace loch::kafka {
namespace {

// Minimums: Produce v3 and Fetch v4 are the first with record batches
// (magic v2), the only format loch stores; older clients are refused at
// ApiVersions time rather than mid-stream.
//
// Group APIs stop where Kafka 3.x's classic protocol ends: OffsetCommit v9 and
// OffsetFetch v9 carry the member epochs of the KIP-848 consumer protocol.
constexpr std::array<SupportedApi, 32> kSupportedApis{{
    {0, 3, 9},    // Produce
    {1, 4, 12},   // Fetch (v13+ addresses topics by id)
    {2, 1, 6},    // ListOffsets (v7+: max-timestamp and tiered-storage lookups)
    {3, 0, 12},   // Metadata (v0: kafka-python probes versions with it)
    {8, 0, 8},    // OffsetCommit
    {9, 0, 8},    // OffsetFetch (v0 read ZooKeeper offsets in Kafka, answered as v1; v8 batches groups)
    {10, 0, 4},   // FindCoordinator (v4 batches keys)
    {11, 0, 9},   // JoinGroup
    {12, 0, 4},   // Heartbeat
    {13, 0, 5},   // LeaveGroup
    {14, 0, 5},   // SyncGroup
    {15, 0, 5},   // DescribeGroups
    {16, 0, 5},   // ListGroups
    {18, 0, 3},   // ApiVersions
    {19, 2, 7},   // CreateTopics
    {20, 1, 6},   // DeleteTopics
    {21, 0, 2},   // DeleteRecords
    {22, 0, 4},   // InitProducerId (v5 belongs to KIP-890's transactions v2)
    {24, 0, 3},   // AddPartitionsToTxn (v4+ is the brokers' batched verification)
    {25, 0, 3},   // AddOffsetsToTxn
    {26, 0, 3},   // EndTxn
    {28, 0, 3},   // TxnOffsetCommit
    {32, 1, 4},   // DescribeConfigs
    {33, 0, 2},   // AlterConfigs
    {37, 0, 3},   // CreatePartitions
    {42, 0, 2},   // DeleteGroups
    {44, 0, 1},   // IncrementalAlterConfigs
    {47, 0, 0},   // OffsetDelete
    {60, 0, 1},   // DescribeCluster
    {61, 0, 0},   // DescribeProducers
    {65, 0, 0},   // DescribeTransactions
    {66, 0, 1},   // ListTransactions
}};

}  // namespace

Broker::Broker(BrokerOptions options, LogManager& logs) : options_(std::move(options)), logs_(logs) {}

std::span<const SupportedApi> Broker::supported_apis() { return kSupportedApis; }

const SupportedApi* Broker::find_supported(int16_t api_key) {
  auto it = std::find_if(kSupportedApis.begin(), kSupportedApis.end(),
                         [api_key](const SupportedApi& api) { return api.api_key == api_key; });
  return it == kSupportedApis.end() ? nullptr : &*it;
}

boost::asio::awaitable<HandlerReply> Broker::handle(IncomingRequest request) {
  auto frame = decode_request_frame(request.bytes);
  if (!frame.is_ok()) {
    spdlog::warn("kafka: closing connection from {}: bad request header: {}", request.peer,
                 frame.status().message());
    co_return HandlerReply::close();
  }
  const int16_t key = frame->api_key();
  const int16_t version = frame->api_version();
  // ApiVersions is answered at any version (KIP-511): an unknown version gets
  // a v0 answer with UNSUPPORTED_VERSION and the ranges, so the client can
  // pick one.
  if (key == 18) co_return handle_api_versions(*this, *frame);

  const SupportedApi* api = find_supported(key);
  if (api == nullptr || version < api->min_version || version > api->max_version) {
    const ApiInfo* info = find_api(key);
    spdlog::warn("kafka: closing connection from {} ({}): {} v{} is not supported{}", request.peer,
                 frame->header.client_id.value_or("?"), info ? info->name : "unknown API " + std::to_string(key),
                 version,
                 api ? " (loch answers v" + std::to_string(api->min_version) + "-" + std::to_string(api->max_version) + ")"
                     : "");
    co_return HandlerReply::close();
  }

  switch (key) {
    case 0: co_return handle_produce(*this, *frame);
    case 1: co_return co_await handle_fetch(*this, *frame);
    case 2: co_return handle_list_offsets(*this, *frame);
    case 3: co_return handle_metadata(*this, *frame);
    case 8: co_return handle_offset_commit(*this, *frame);
    case 9: co_return handle_offset_fetch(*this, *frame);
    case 10: co_return handle_find_coordinator(*this, *frame);
    case 11: co_return co_await handle_join_group(*this, *frame, request.peer);
    case 12: co_return handle_heartbeat(*this, *frame);
    case 13: co_return handle_leave_group(*this, *frame);
    case 14: co_return co_await handle_sync_group(*this, *frame);
    case 15: co_return handle_describe_groups(*this, *frame);
    case 16: co_return handle_list_groups(*this, *frame);
    case 19: co_return handle_create_topics(*this, *frame);
    case 20: co_return handle_delete_topics(*this, *frame);
    case 21: co_return handle_delete_records(*this, *frame);
    case 22: co_return handle_init_producer_id(*this, *frame);
    case 24: co_return handle_add_partitions_to_txn(*this, *frame);
    case 25: co_return handle_add_offsets_to_txn(*this, *frame);
    case 26: co_return handle_end_txn(*this, *frame);
    case 28: co_return handle_txn_offset_commit(*this, *frame);
    case 32: co_return handle_describe_configs(*this, *frame);
    case 33: co_return handle_alter_configs(*this, *frame);
    case 37: co_return handle_create_partitions(*this, *frame);
    case 42: co_return handle_delete_groups(*this, *frame);
    case 44: co_return handle_incremental_alter_configs(*this, *frame);
    case 47: co_return handle_offset_delete(*this, *frame);
    case 60: co_return handle_describe_cluster(*this, *frame);
    case 61: co_return handle_describe_producers(*this, *frame);
    case 65: co_return handle_describe_transactions(*this, *frame);
    case 66: co_return handle_list_transactions(*this, *frame);
    default: break;
  }
  spdlog::error("kafka: api key {} is listed as supported but has no handler", key);
  co_return HandlerReply::close();
}

Uuid topic_id_for(std::string_view topic) {
  // Two FNV-1a passes with different offsets give 128 bits; good enough to be
  // distinct per name, which is all a single node needs.
  auto fnv = [&](uint64_t hash) {
    for (unsigned char c : topic) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    return hash;
  };
  uint64_t high = fnv(0xcbf29ce484222325ULL);
  uint64_t low = fnv(0x84222325cbf29ce4ULL);
  Uuid id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
  }
  if (id.is_zero()) id.bytes[15] = 1;  // zero means "no id" on the wire
  return id;
}

}  // namespace loch::kafka
