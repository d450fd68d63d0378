// co_await-able JoinGroup and SyncGroup for Boost.Asio coroutines:
//
//   JoinGroupResult joined =
//       co_await async_join_group(coordinator, std::move(request), boost::asio::use_awaitable);
//
// The coordinator calls its completion on whichever thread resolved the
// request (another connection's join, the tick timer); these adapters post the
// answer to the awaiting operation's own executor (its connection's strand),
// keeping that executor's work count up until then, so the coroutine resumes
// where it suspended. Header-only: only the broker, which links Boost, uses it.
#pragma once

#include <memory>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include "collect/kafka/groups/group_coordinator.h"

namespace loch::kafka::groups {
namespace asio_detail {

// Wraps a move-only completion handler into the copyable std::function the
// coordinator stores, and delivers the result on the handler's executor.
template <typename Result, typename Handler>
std::function<void(Result)> deliver_on_handler_executor(Handler handler) {
  auto executor = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                      boost::asio::execution::outstanding_work.tracked);
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [shared, executor](Result result) {
    boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
      (*shared)(std::move(result));
    });
  };
}

}  // namespace asio_detail

template <typename CompletionToken>
auto async_join_group(GroupCoordinator& coordinator, JoinGroupRequest request, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(JoinGroupResult)>(
      [&coordinator](auto handler, JoinGroupRequest request) {
        coordinator.join_group(std::move(request),
                               asio_detail::deliver_on_handler_executor<JoinGroupResult>(std::move(handler)));
      },
      token, std::move(request));
}

template <typename CompletionToken>
auto async_sync_group(GroupCoordinator& coordinator, SyncGroupRequest request, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(SyncGroupResult)>(
      [&coordinator](auto handler, SyncGroupRequest request) {
        coordinator.sync_group(std::move(request),
                               asio_detail::deliver_on_handler_executor<SyncGroupResult>(std::move(handler)));
      },
      token, std::move(request));
}

}  // namespace loch::kafka::groups
