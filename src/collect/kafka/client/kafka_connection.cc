#include "collect/kafka/client/kafka_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/tcp_address.h"

namespace loch::kafka::client {
namespace {

// A Fetch answer holds at most fetch.max.bytes of records, except that a
// single batch larger than that is still returned whole (KIP-74). Anything
// bigger than this is taken for a broken stream, not allocated.
constexpr uint32_t kMaxAnswerBytes = 1u << 30;

// Connects with a deadline: a broker that is down on a routable address
// would otherwise hold the fetch thread for the kernel's minutes.
int connect_with_timeout(const addrinfo& ai, int timeout_ms, const std::atomic<bool>* abandon, std::string& error) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      error = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int ready = 0;
    // In slices, to notice `abandon`.
    for (int waited = 0; ready == 0 && waited < timeout_ms; waited += 100) {
      if (abandon != nullptr && abandon->load()) break;
      ready = ::poll(&p, 1, std::min(100, timeout_ms - waited));
    }
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (ready <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0 || so_error != 0) {
      error = ready == 0 ? "timed out" : std::strerror(so_error != 0 ? so_error : errno);
      ::close(fd);
      return -1;
    }
  }
  // Back to blocking, with the timeout on every send and receive.
  ::fcntl(fd, F_SETFL, 0);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Room for a large Fetch answer to arrive while the last one is parsed.
  int buffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  return fd;
}

}  // namespace

Result<std::unique_ptr<KafkaConnection>> KafkaConnection::connect(const std::string& address,
                                                                  const std::string& client_id, int timeout_ms,
                                                                  const std::atomic<bool>* abandon) {
  LOCH_ASSIGN_OR_RETURN(AddrinfoList found, resolve_tcp_address(address));
  std::string last_error = "no address";
  for (addrinfo* ai = found.get(); ai != nullptr; ai = ai->ai_next) {
    int fd = connect_with_timeout(*ai, timeout_ms, abandon, last_error);
    if (fd >= 0) return std::unique_ptr<KafkaConnection>(new KafkaConnection(fd, address, client_id));
  }
  return Status::io_error("cannot connect to " + address + ": " + last_error);
}

KafkaConnection::~KafkaConnection() { ::close(fd_); }

void KafkaConnection::interrupt() { ::shutdown(fd_, SHUT_RDWR); }

Status KafkaConnection::send_frame(const std::string& frame) {
  for (size_t sent = 0; sent < frame.size();) {
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::io_error("sending to " + address_ + ": " + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  return Status::ok();
}

Result<std::string_view> KafkaConnection::receive_frame() {
  auto read_exactly = [&](char* out, size_t size) -> Status {
    for (size_t got = 0; got < size;) {
      ssize_t n = ::recv(fd_, out + got, size - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return Status::io_error(address_ + " closed the connection");
      if (n < 0) {
        return Status::io_error("reading from " + address_ + ": " +
                                (errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : std::strerror(errno)));
      }
      got += static_cast<size_t>(n);
    }
    return Status::ok();
  };
  char size_bytes[4];
  LOCH_RETURN_IF_ERROR(read_exactly(size_bytes, 4));
  uint32_t size = 0;
  for (char c : size_bytes) size = (size << 8) | static_cast<uint8_t>(c);
  if (size > kMaxAnswerBytes) {
    return Status::corruption(address_ + ": an answer of " + std::to_string(size) + " bytes");
  }
  if (receive_buffer_.size() < size) receive_buffer_.resize(size);
  LOCH_RETURN_IF_ERROR(read_exactly(receive_buffer_.data(), size));
  return std::string_view(receive_buffer_.data(), size);
}

}  // namespace loch::kafka::client
