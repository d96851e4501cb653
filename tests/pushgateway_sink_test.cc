// agent/pushgateway_sink: when it pushes. A loopback HTTP server that answers
// 200 and records each PUT's body stands in for Pushgateway; the heartbeat is
// an hour, so every push seen is one the policy asked for: the first request,
// and then changed counters alone (events read, re-checks), coalesced.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/pushgateway_sink.h"

using namespace drift;
using namespace std::chrono_literals;

namespace {

// Accepts connections on 127.0.0.1 (any port) until destroyed; one request a connection.
class FakePushgateway {
 public:
  FakePushgateway() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakePushgateway() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/metrics/job/t/instance/n"; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[65536];
      size_t want = std::string::npos;
      while (want == std::string::npos || req.size() < want) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        const size_t head = req.find("\r\n\r\n");
        if (want == std::string::npos && head != std::string::npos) {
          const size_t cl = req.find("Content-Length: ");
          want = head + 4 + (cl == std::string::npos || cl > head ? 0 : std::stoul(req.substr(cl + 16)));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        bodies_.push_back(req.substr(req.find("\r\n\r\n") + 4));
      }
      const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!::write(c, ok.data(), ok.size());
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

// Polls until pred holds or 30 s pass (a deadline, not a wait).
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

bool has(const std::string& body, const std::string& line) { return body.find("\n" + line + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("a counter that changes without a drift transition is pushed, coalesced, at most once per interval") {
  FakePushgateway server;
  Metrics metrics;
  PushgatewaySink sink(server.url(), std::chrono::hours(1), &metrics, [](const std::string&) {}, 200ms);
  metrics.add_inotify_events(3);
  std::this_thread::sleep_for(300ms);  // a change before the first request pushes nothing
  CHECK(server.bodies().empty());
  sink.push_soon();  // the first full check
  REQUIRE(eventually([&] { return server.bodies().size() == 1; }));
  CHECK(has(server.bodies()[0], "driftd_events_total 3"));

  // Events read alone (no push_soon): they reach the server.
  metrics.add_inotify_events(20000);
  REQUIRE(eventually([&] {
    const auto b = server.bodies();
    return !b.empty() && has(b.back(), "driftd_events_total 20003");
  }));
  // A burst of changes is coalesced: a second of them gives a handful of pushes, not thousands.
  const size_t before = server.bodies().size();
  const auto start = std::chrono::steady_clock::now();
  int changes = 0;
  while (std::chrono::steady_clock::now() - start < 1s) {
    metrics.observe_detection_latency(0.01);
    ++changes;
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(eventually([&] {
    const auto b = server.bodies();
    return has(b.back(), "driftd_detection_latency_seconds_count " + std::to_string(changes));
  }));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(server.bodies().size() - before <= static_cast<size_t>(seconds / 0.2) + 2);
  sink.stop();
}

TEST_CASE("a gauge set to the value it has is no change and pushes nothing") {
  FakePushgateway server;
  Metrics metrics;
  PushgatewaySink sink(server.url(), std::chrono::hours(1), &metrics, [](const std::string&) {}, 50ms);
  metrics.set_spool(4, 0, 0);
  sink.push_soon();
  REQUIRE(eventually([&] { return server.bodies().size() == 1; }));
  const size_t pushes = server.bodies().size();
  for (int i = 0; i < 100; ++i) metrics.set_spool(4, 0, 0);
  std::this_thread::sleep_for(300ms);  // six intervals: any change would have been pushed
  CHECK(server.bodies().size() == pushes);
  metrics.set_spool(5, 0, 0);
  REQUIRE(eventually([&] { return has(server.bodies().back(), "driftd_spool_entries 5"); }));
}
