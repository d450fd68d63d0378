#include "process/pipeline/event.h"

#include <ctime>

#include <fmt/format.h>

namespace loch::pipeline {

std::string partition_name(const SourcePartition& partition) {
  return partition.topic + "/" + std::to_string(partition.partition);
}

std::string iso_time(TimestampMs ms) {
  std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(((ms % 1000) + 1000) % 1000));
}

uint64_t stable_hash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  // FNV alone mixes its last bytes poorly; the SplitMix64 finalizer spreads them.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace loch::pipeline
