// TCP addresses written host:port (a Kafka bootstrap server, an advertised
// listener): split, with an IPv6 host in brackets ("[::1]:9092"), and
// resolved for a stream socket.
#pragma once

#include <netdb.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace loch {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

// The addresses `address` (host:port) resolves to, in getaddrinfo's order.
// InvalidArgument without a port; IoError naming the address when it does
// not resolve.
Result<AddrinfoList> resolve_tcp_address(const std::string& address);

}  // namespace loch
