#include "common/shutdown.h"

#include <csignal>
#include <cstdlib>
#include <map>
#include <thread>

#include <pthread.h>

namespace loch {
namespace {

std::atomic<bool> g_requested{false};
std::mutex g_mutex;
std::map<int, ShutdownSignal::Handler> g_handlers;  // guarded by g_mutex
int g_next_id = 0;                                   // guarded by g_mutex

void watch_signals(sigset_t set) {
  for (;;) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (g_requested.load()) std::_Exit(128 + signal_number);  // second signal: stop now
    bool handled = false;
    {
      std::lock_guard lock(g_mutex);
      for (auto& [id, handler] : g_handlers) handled = handler(signal_number) || handled;
    }
    if (!handled || signal_number == SIGTERM) g_requested.store(true);
  }
}

}  // namespace

void ShutdownSignal::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread(watch_signals, set).detach();
  });
}

bool ShutdownSignal::requested() { return g_requested.load(); }

void ShutdownSignal::request() { g_requested.store(true); }

int ShutdownSignal::add_handler(Handler handler) {
  std::lock_guard lock(g_mutex);
  int id = g_next_id++;
  g_handlers.emplace(id, std::move(handler));
  return id;
}

void ShutdownSignal::remove_handler(int id) {
  std::lock_guard lock(g_mutex);
  g_handlers.erase(id);
}

}  // namespace loch
