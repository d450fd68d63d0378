// Fetch sessions (KIP-227): a consumer that fetches many partitions names
// them once, in a full fetch that opens a session; its incremental fetches
// then carry only the partitions whose fetch position changed (and those to
// forget), and the answers carry only the partitions with something new.
//
// Request kinds, by (session id, epoch):
//   (any, -1)  sessionless full fetch; a named session is closed.
//   (any,  0)  full fetch that opens a new session (a named one is closed);
//              the answer's session id is 0 when the cache has no room.
//   (id, n>0)  incremental fetch of session `id`, whose epoch must be n:
//              FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH.
// An incremental answer carries a partition when it has records, an error,
// or a high watermark, last stable offset or log start offset different
// from the last one the session was told.
//
// The cache holds at most `max_sessions`; a new session takes the place of
// the least recently used one once that has been idle `eviction_idle_ms`,
// else it is not created (the client goes on with full fetches).
//
// Thread-safe. Pure bookkeeping: no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"

namespace loch::kafka {

struct FetchSessionStart {
  int16_t error_code = 0;  // non-zero: answer with it, no partitions, session id 0
  int32_t session_id = 0;  // the session id to answer with (0: none)
  bool incremental = false;
};

class FetchSessionCache {
 public:
  struct Options {
    size_t max_sessions = 1000;         // Kafka's max.incremental.fetch.session.cache.slots
    int64_t eviction_idle_ms = 120000;  // Kafka's min.incremental.fetch.session.eviction.ms
    std::function<int64_t()> clock;     // milliseconds; steady clock when empty
  };

  FetchSessionCache() : FetchSessionCache(Options{}) {}
  explicit FetchSessionCache(Options options);

  // Opens, closes or updates the session `request` names. For an
  // incremental fetch, rewrites request.topics to every partition of the
  // session with its current fetch position, so that the request reads like
  // a full one from here on.
  FetchSessionStart start(FetchRequest& request);

  // Called once with the response about to be sent for `start` (partitions
  // in request order, after start() rewrote it) and the records bytes of
  // each: remembers what the session was told and, for an incremental
  // fetch, says which partitions the response must carry (in order).
  std::vector<bool> respond(const FetchSessionStart& start, const FetchResponse& response,
                            const std::vector<size_t>& records_bytes);

  size_t size() const;

 private:
  using Key = std::pair<std::string, int32_t>;
  struct CachedPartition {
    FetchRequest::FetchPartition fetch;  // the client's position and limits
    int64_t high_watermark = -1;         // as last answered; -1: never
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
  };
  struct Session {
    int32_t next_epoch = 1;
    int64_t last_used_ms = 0;
    std::map<Key, CachedPartition> partitions;  // by topic then partition: the topics stay grouped
  };

  int64_t now_ms() const;
  // A new session id, or 0 when the cache is full of sessions in use.
  int32_t make_room_and_pick_id(int64_t now);

  const Options options_;
  mutable std::mutex mutex_;
  std::map<int32_t, Session> sessions_;  // guarded by mutex_
  std::mt19937 random_;                  // guarded by mutex_
};

}  // namespace loch::kafka
