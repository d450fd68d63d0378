// Graceful shutdown on SIGINT and SIGTERM.
//
// The signals are blocked in every thread and received by one watcher thread
// with sigwait, so reactions run as ordinary code (no async-signal-safety
// limits): they stop servers, interrupt running queries and let main() unwind
// and flush. Call ShutdownSignal::install() first thing in main, before any
// thread starts, so that every thread inherits the blocked mask.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace loch {

class ShutdownSignal {
 public:
  // Blocks SIGINT/SIGTERM and starts the watcher thread (once per process).
  static void install();

  // True once SIGTERM arrived, or SIGINT with no handler that took it.
  static bool requested();

  // Called on the watcher thread at every SIGINT/SIGTERM. A handler returns
  // true when it dealt with the signal (an interactive shell interrupting its
  // running query); when none does, shutdown is requested and a second signal
  // ends the process at once.
  using Handler = std::function<bool(int signal_number)>;
  static int add_handler(Handler handler);
  static void remove_handler(int id);

  // Raises the flag as if a signal came (for tests and for `stop` commands).
  static void request();
};

}  // namespace loch
