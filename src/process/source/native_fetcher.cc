#include "process/source/native_fetcher.h"

#include <algorithm>
#include <charconv>

#include "process/source/native_fetch_worker.h"

namespace loch::source {
namespace {

Result<int64_t> number_property(const std::string& name, const std::string& value) {
  int64_t out = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (error != std::errc() || end != value.data() + value.size() || out < 0) {
    return Status::invalid_argument("source property " + name + "=" + value + ": not a number");
  }
  return out;
}

int32_t clamp_int32(int64_t value) { return static_cast<int32_t>(std::min<int64_t>(value, INT32_MAX)); }

}  // namespace

Result<NativeFetcherOptions> NativeFetcherOptions::from_properties(
    std::string bootstrap_servers, const std::map<std::string, std::string>& properties) {
  NativeFetcherOptions options;
  options.bootstrap_servers = std::move(bootstrap_servers);
  for (const auto& [name, value] : properties) {
    if (name == "client.id") {
      options.client_id = value;
      continue;
    }
    // librdkafka lets these properties override the definition's servers too.
    if (name == "bootstrap.servers" || name == "metadata.broker.list") {
      options.bootstrap_servers = value;
      continue;
    }
    static const std::set<std::string> kNumbers = {
        "fetch.max.bytes",         "max.partition.fetch.bytes", "fetch.message.max.bytes", "fetch.wait.max.ms",
        "fetch.min.bytes",         "queued.max.messages.kbytes", "socket.timeout.ms",      "retry.backoff.ms"};
    if (!kNumbers.contains(name)) continue;  // librdkafka's alone
    LOCH_ASSIGN_OR_RETURN(int64_t number, number_property(name, value));
    if (name == "fetch.max.bytes") options.response_max_bytes = clamp_int32(std::max<int64_t>(number, 1));
    if (name == "max.partition.fetch.bytes" || name == "fetch.message.max.bytes") {
      options.partition_max_bytes = clamp_int32(std::max<int64_t>(number, 1));
    }
    if (name == "fetch.wait.max.ms") options.max_wait_ms = clamp_int32(number);
    if (name == "fetch.min.bytes") options.min_bytes = clamp_int32(std::max<int64_t>(number, 1));
    if (name == "queued.max.messages.kbytes") options.queue_max_bytes = static_cast<size_t>(number) << 10;
    if (name == "socket.timeout.ms") options.request_timeout_ms = clamp_int32(std::max<int64_t>(number, 10));
    if (name == "retry.backoff.ms") options.retry_backoff_ms = clamp_int32(number);
  }
  return options;
}

NativeFetcher::NativeFetcher(NativeFetcherOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<NativeFetcher>> NativeFetcher::start(NativeFetcherOptions options,
                                                            const std::map<SourcePartition, int64_t>& start_offsets) {
  if (options.bootstrap_servers.empty()) return Status::invalid_argument("native fetcher: no bootstrap servers");
  std::unique_ptr<NativeFetcher> fetcher(new NativeFetcher(std::move(options)));
  fetcher->worker_ = std::make_unique<Worker>(*fetcher, fetcher->options_, start_offsets);
  fetcher->thread_ = std::thread([worker = fetcher->worker_.get()] { worker->run(); });
  return fetcher;
}

NativeFetcher::~NativeFetcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  room_.notify_all();
  if (worker_) worker_->interrupt();
  if (thread_.joinable()) thread_.join();
}

Status NativeFetcher::poll(std::chrono::milliseconds wait, size_t max_records, std::vector<FetchedChunk>& out) {
  std::unique_lock lock(mutex_);
  if (queue_.empty() && wait.count() > 0) fetched_.wait_for(lock, wait, [&] { return !queue_.empty(); });
  size_t taken = 0;
  bool shrank = false;
  while (!queue_.empty() && taken < max_records) {
    if (auto* error = std::get_if<Status>(&queue_.front())) {
      if (!out.empty()) break;  // the chunks before it first
      Status status = std::move(*error);
      queue_.pop_front();
      return status;
    }
    FetchedChunk& front = std::get<FetchedChunk>(queue_.front());
    const size_t room = max_records - taken;
    const size_t left = front.records.size() - front_taken_;
    if (front_taken_ == 0 && left <= room) {
      taken += left;
      queued_bytes_ -= front.memory_bytes;
      out.push_back(std::move(front));
      queue_.pop_front();
    } else {
      // The next records of the front chunk; its end goes with its last.
      const size_t count = std::min(left, room);
      FetchedChunk part;
      part.partition = front.partition;
      auto first = front.records.begin() + static_cast<ptrdiff_t>(front_taken_);
      part.records.assign(std::make_move_iterator(first), std::make_move_iterator(first + static_cast<ptrdiff_t>(count)));
      part.memory_bytes = front.memory_bytes * count / left;
      front.memory_bytes -= part.memory_bytes;
      queued_bytes_ -= part.memory_bytes;
      front_taken_ += count;
      taken += count;
      if (front_taken_ == front.records.size()) {
        part.end_offset = front.end_offset;
        front_taken_ = 0;
        queue_.pop_front();
      }
      out.push_back(std::move(part));
    }
    shrank = true;
  }
  lock.unlock();
  if (shrank) room_.notify_all();
  return Status::ok();
}

void NativeFetcher::pause(const SourcePartition& partition) {
  std::lock_guard lock(mutex_);
  paused_.insert(partition);
}

std::map<SourcePartition, int64_t> NativeFetcher::high_watermarks() const {
  std::lock_guard lock(mutex_);
  return high_watermarks_;
}

bool NativeFetcher::wait_for_room(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  room_.wait_for(lock, wait, [&] { return stop_ || queued_bytes_ < options_.queue_max_bytes; });
  return !stop_ && queued_bytes_ < options_.queue_max_bytes;
}

void NativeFetcher::sleep_unless_stopped(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  room_.wait_for(lock, wait, [&] { return stop_; });
}

void NativeFetcher::push(FetchedChunk chunk) {
  {
    std::lock_guard lock(mutex_);
    queued_bytes_ += chunk.memory_bytes;
    queue_.push_back(std::move(chunk));
  }
  fetched_.notify_one();
}

void NativeFetcher::push_error(Status error) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(error));
  }
  fetched_.notify_one();
}

std::set<SourcePartition> NativeFetcher::paused() const {
  std::lock_guard lock(mutex_);
  return paused_;
}

void NativeFetcher::set_high_watermark(const SourcePartition& partition, int64_t high_watermark) {
  std::lock_guard lock(mutex_);
  high_watermarks_[partition] = high_watermark;
}

bool NativeFetcher::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

}  // namespace loch::source
