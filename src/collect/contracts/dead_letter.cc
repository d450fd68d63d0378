#include "collect/contracts/dead_letter.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace loch::contracts {
namespace {

template <typename Int>
bool parse_int(const std::string& text, Int& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

bool is_dead_letter_header(const std::string& key) { return key.rfind("loch.dlq.", 0) == 0; }

}  // namespace

void add_dead_letter_headers(const DeadLetter& letter, kafka::Record& record) {
  record.headers.push_back({kReasonHeader, letter.reason});
  record.headers.push_back({kTopicHeader, letter.topic});
  record.headers.push_back({kPartitionHeader, std::to_string(letter.partition)});
  record.headers.push_back({kBatchIndexHeader, std::to_string(letter.batch_index)});
  if (letter.schema_id) record.headers.push_back({kSchemaIdHeader, std::to_string(*letter.schema_id)});
  record.headers.push_back({kTimeHeader, std::to_string(letter.time_ms)});
}

Result<DeadLetter> read_dead_letter_headers(const std::vector<kafka::RecordHeader>& headers) {
  DeadLetter letter;
  bool has_reason = false, has_topic = false, has_partition = false;
  for (const auto& h : headers) {
    if (!h.value) continue;
    const std::string& v = *h.value;
    bool ok = true;
    if (h.key == kReasonHeader) {
      letter.reason = v, has_reason = true;
    } else if (h.key == kTopicHeader) {
      letter.topic = v, has_topic = true;
    } else if (h.key == kPartitionHeader) {
      ok = parse_int(v, letter.partition), has_partition = true;
    } else if (h.key == kBatchIndexHeader) {
      ok = parse_int(v, letter.batch_index);
    } else if (h.key == kSchemaIdHeader) {
      int32_t id = 0;
      ok = parse_int(v, id);
      letter.schema_id = id;
    } else if (h.key == kTimeHeader) {
      ok = parse_int(v, letter.time_ms);
    }
    if (!ok) return Status::corruption(fmt::format("dead-letter header {} has the value '{}'", h.key, v));
  }
  if (!has_reason) return Status::corruption(fmt::format("record has no {} header", kReasonHeader));
  if (!has_topic) return Status::corruption(fmt::format("record has no {} header", kTopicHeader));
  if (!has_partition) return Status::corruption(fmt::format("record has no {} header", kPartitionHeader));
  return letter;
}

std::vector<kafka::RecordHeader> original_headers(const std::vector<kafka::RecordHeader>& headers) {
  std::vector<kafka::RecordHeader> out;
  for (const auto& h : headers) {
    if (!is_dead_letter_header(h.key)) out.push_back(h);
  }
  return out;
}

}  // namespace loch::contracts
