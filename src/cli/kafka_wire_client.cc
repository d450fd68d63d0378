#include "cli/kafka_wire_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/tcp_address.h"

namespace loch::cli {

Result<std::unique_ptr<KafkaWireClient>> KafkaWireClient::connect(const std::string& address, int timeout_ms) {
  LOCH_ASSIGN_OR_RETURN(AddrinfoList found, resolve_tcp_address(address));
  std::string last_error = "no address";
  for (addrinfo* ai = found.get(); ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return std::unique_ptr<KafkaWireClient>(new KafkaWireClient(fd, address));
    last_error = std::strerror(errno);
    ::close(fd);
  }
  return Status::io_error("cannot connect to " + address + ": " + last_error);
}

KafkaWireClient::~KafkaWireClient() { ::close(fd_); }

Result<std::string> KafkaWireClient::round_trip(const std::string& frame) {
  for (size_t sent = 0; sent < frame.size();) {
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status::io_error("sending to " + address_ + ": " + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  auto read_exactly = [&](size_t size) -> Result<std::string> {
    std::string out(size, '\0');
    for (size_t got = 0; got < size;) {
      ssize_t n = ::recv(fd_, out.data() + got, size - got, 0);
      if (n == 0) return Status::io_error(address_ + " closed the connection (request not supported?)");
      if (n < 0) return Status::io_error("reading from " + address_ + ": " + std::strerror(errno));
      got += static_cast<size_t>(n);
    }
    return out;
  };
  LOCH_ASSIGN_OR_RETURN(std::string size_bytes, read_exactly(4));
  uint32_t size = 0;
  for (char c : size_bytes) size = (size << 8) | static_cast<uint8_t>(c);
  if (size > (64u << 20)) return Status::corruption(address_ + ": answer of " + std::to_string(size) + " bytes");
  return read_exactly(size);
}

}  // namespace loch::cli
