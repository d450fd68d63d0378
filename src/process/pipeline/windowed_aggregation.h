// Windowed, keyed, incremental aggregation in event time.
//
// Events (already checked not to be late) update the accumulators of every
// window they fall in. A window closes when the watermark reaches its end:
// its final result is emitted and its state dropped, which is also the TTL of
// window state. Emit modes:
//   final    one result per window, when it closes;
//   updates  after each batch (emit_updates), the current value of every
//            window changed in it, and the final value when it closes.
//            Results are upserts keyed by (key, start); a session that is
//            merged into another is withdrawn with a kRetract result.
// Results are emitted in a deterministic order (by end, key, start), so a
// replay from a checkpoint gives the same sequence.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "process/pipeline/aggregate.h"
#include "process/pipeline/state_store.h"
#include "process/pipeline/window.h"

namespace loch::pipeline {

enum class EmitMode { kFinal, kUpdates };

struct WindowedAggregationSpec {
  WindowSpec window;
  std::vector<AggregateKind> aggregates;
  EmitMode emit = EmitMode::kFinal;

  Status validate() const;
  // Identifies the state layout; a checkpoint made with another spec is refused.
  std::string describe() const;
};

struct WindowResult {
  enum class Kind { kUpdate, kFinal, kRetract };
  Kind kind = Kind::kFinal;
  std::string key;
  WindowBounds bounds;
  std::vector<Accumulator::Value> values;  // one per aggregate (empty for kRetract)
};

class WindowedAggregation {
 public:
  explicit WindowedAggregation(WindowedAggregationSpec spec);

  void add(const Event& event);
  // Closes every window whose end is at or before `watermark`.
  void on_watermark(TimestampMs watermark);
  // Updates mode: the windows changed since the last call (no-op in final mode).
  void emit_updates();

  std::vector<WindowResult> take_results() { return std::exchange(results_, {}); }
  size_t open_windows() const { return open_windows_; }
  const WindowedAggregationSpec& spec() const { return spec_; }

  // State for checkpoints (doc/pipelines.md, "Entry format", prefix 'w').
  void save(std::vector<std::pair<std::string, std::string>>& entries) const;
  // The windows opened or changed (put) and closed or merged away (deleted)
  // since the previous save_changes or forget_changes.
  void save_changes(StateDelta& delta);
  // The state was written whole: changes so far are in it.
  void forget_changes();
  Status load_entry(std::string_view key, std::string_view value);
  void clear();

 private:
  struct Window {
    TimestampMs start = 0;
    TimestampMs end = 0;
    std::vector<Accumulator> accumulators;
    bool changed = false;  // since the last emit_updates
    bool emitted = false;  // an update for it went out
    bool unsaved = false;  // in unsaved_ (changed since the last checkpoint)
  };
  // The open windows of one key, sorted by start. Few per key (size/slide + 1
  // for hopping windows), so a vector scan beats a tree, and one hash lookup
  // of the key serves every window of an event.
  using KeyWindows = std::vector<Window>;

  Window& window_for(KeyWindows& windows, const std::string& key, WindowBounds bounds);
  void add_to(Window& window, const Event& event);
  // For incremental checkpoints: `window` of `key` changed; a window of `key`
  // starting at `start` was removed.
  void mark_changed(const std::string& key, Window& window);
  void mark_removed(const std::string& key, TimestampMs start) { unsaved_.emplace(start, key); }
  void add_to_session(KeyWindows& windows, const Event& event);
  static std::string window_value(const Window& window);
  WindowResult result_of(const std::string& key, const Window& window, WindowResult::Kind kind) const;

  WindowedAggregationSpec spec_;
  std::unordered_map<std::string, KeyWindows> windows_;
  size_t open_windows_ = 0;
  // Keys by the end of a window they hold, for closing; an entry may be stale
  // (its session was merged or grew) and then finds nothing to close.
  std::multimap<TimestampMs, std::string> by_end_;
  std::vector<WindowResult> results_;
  // (start, key) of the windows changed or removed since the last checkpoint.
  struct StartKeyHash {
    size_t operator()(const std::pair<TimestampMs, std::string>& v) const {
      return std::hash<std::string>()(v.second) ^ (std::hash<TimestampMs>()(v.first) * 0x9e3779b97f4a7c15ULL);
    }
  };
  std::unordered_set<std::pair<TimestampMs, std::string>, StartKeyHash> unsaved_;
};

}  // namespace loch::pipeline
