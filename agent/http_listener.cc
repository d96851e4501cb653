// The listener (see the header).
#include "agent/http_listener.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace drift {
namespace {

MHD_Result handle(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                  const char*, size_t*, void**) {
  const auto* self = static_cast<const HttpListener*>(cls);
  const HttpListener::Reply r = self->answer(method, url);
  const bool head = std::strcmp(method, "HEAD") == 0;
  MHD_Response* response = MHD_create_response_from_buffer(head ? 0 : r.body.size(), const_cast<char*>(r.body.data()),
                                                           MHD_RESPMEM_MUST_COPY);
  if (!response) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", r.type.c_str());
  const MHD_Result ret = MHD_queue_response(connection, r.status, response);
  MHD_destroy_response(response);
  return ret;
}

// "HOST:PORT", ":PORT", "[v6]:PORT" -> a socket address.
bool parse_listen(const std::string& listen, sockaddr_storage* out, std::string* why) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    *why = "listen " + listen + ": expected HOST:PORT";
    return false;
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port > 65535) {
    *why = "listen " + listen + ": bad port";
    return false;
  }
  std::memset(out, 0, sizeof *out);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a->sin6_addr) != 1) {
      *why = "listen " + listen + ": bad IPv6 address";
      return false;
    }
    return true;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(out);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  if (host.empty() || host == "0.0.0.0") {
    a->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (host == "localhost") {
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
    *why = "listen " + listen + ": bad IPv4 address (a name other than localhost is not resolved)";
    return false;
  }
  return true;
}

}  // namespace

HttpListener::~HttpListener() { stop(); }

bool HttpListener::start(const std::string& listen, std::string* why) {
  stop();
  sockaddr_storage addr;
  if (!parse_listen(listen, &addr, why)) return false;
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
                         (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &handle, this, MHD_OPTION_SOCK_ADDR,
                             reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_CONNECTION_LIMIT, 16u,
                             MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (!daemon_) {
    *why = "cannot listen on " + listen + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void HttpListener::stop() {
  if (daemon_) MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

HttpListener::Reply HttpListener::answer(const std::string& method, const std::string& path) const {
  Reply r;
  if (method != "GET" && method != "HEAD") {
    r.status = 405;
    r.body = "only GET and HEAD\n";
    return r;
  }
  if (path == "/metrics") {
    r.status = 200;
    r.type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_();
  } else if ((path == "/healthz" || path == "/readyz") && !health_) {
    r.status = 200;
    r.body = "ok: process alive\n";
  } else if (path == "/healthz" || path == "/readyz") {
    const Health::Answer a = path == "/healthz" ? health_->live(Health::Clock::now()) : health_->ready(Health::Clock::now());
    r.status = static_cast<unsigned>(a.status);
    r.body = a.text + "\n";
  }
  return r;
}

}  // namespace drift
