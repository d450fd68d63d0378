// KafkaSource's offset lookups for `loch pipeline replay` and `backfill`
// (kafka_source.h): asked of the broker, whatever was assigned.
#include <librdkafka/rdkafka.h>

#include "process/source/kafka_source.h"

namespace loch::source {

Result<std::map<SourcePartition, std::pair<int64_t, int64_t>>> KafkaSource::offset_ranges() {
  LOCH_ASSIGN_OR_RETURN(std::vector<SourcePartition> all, partitions());
  std::map<SourcePartition, std::pair<int64_t, int64_t>> out;
  for (const SourcePartition& partition : all) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
        consumer_, partition.topic.c_str(), partition.partition, &low, &high, options_.request_timeout_ms);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::io_error("offsets of " + pipeline::partition_name(partition) + " on " +
                              bootstrap_servers_ + ": " + rd_kafka_err2str(error));
    }
    out[partition] = {low, high};
  }
  return out;
}

Result<std::map<SourcePartition, int64_t>> KafkaSource::offsets_for_time(int64_t timestamp_ms) {
  LOCH_ASSIGN_OR_RETURN(auto ranges, offset_ranges());
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size()));
  for (const auto& [partition, range] : ranges) {
    rd_kafka_topic_partition_list_add(list, partition.topic.c_str(), partition.partition)->offset = timestamp_ms;
  }
  rd_kafka_resp_err_t error = rd_kafka_offsets_for_times(consumer_, list, options_.request_timeout_ms);
  std::map<SourcePartition, int64_t> out;
  Status status;
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Status::io_error("offsets for time " + std::to_string(timestamp_ms) + " on " + bootstrap_servers_ + ": " +
                              rd_kafka_err2str(error));
  }
  for (int i = 0; status.is_ok() && i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& element = list->elems[i];
    SourcePartition partition{element.topic, element.partition};
    if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = Status::io_error("offset for time " + std::to_string(timestamp_ms) + " of " +
                                pipeline::partition_name(partition) + ": " + rd_kafka_err2str(element.err));
      break;
    }
    // -1: no record at or after the time; the partition starts at its end.
    out[partition] = element.offset >= 0 ? element.offset : ranges[partition].second;
  }
  rd_kafka_topic_partition_list_destroy(list);
  LOCH_RETURN_IF_ERROR(status);
  return out;
}

}  // namespace loch::source
