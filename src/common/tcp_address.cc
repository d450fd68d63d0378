#include "common/tcp_address.h"

namespace loch {

Result<AddrinfoList> resolve_tcp_address(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return Status::invalid_argument("broker address '" + address + "': expected host:port");
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::io_error("cannot resolve " + address + ": " + ::gai_strerror(rc));
  }
  return AddrinfoList(found);
}

}  // namespace loch
