// driftd's listen address: /metrics (the registry in Prometheus text
// format), /healthz and /readyz (agent/health.h), served by libmicrohttpd on
// one internal thread. It replaces prometheus-cpp's Exposer, which answers
// 200 on every path it serves whatever driftd is doing, and adds its own
// unprefixed exposer_* series to /metrics. Everything else is 404; only GET
// and HEAD. libmicrohttpd's errors stop here and become false with a reason.
#pragma once

#include <functional>
#include <string>

#include "agent/health.h"

struct MHD_Daemon;

namespace drift {

class HttpListener {
 public:
  using Text = std::function<std::string()>;
  HttpListener(Text metrics, const Health* health) : metrics_(std::move(metrics)), health_(health) {}
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  /// Listens on "HOST:PORT" (":PORT" for every address; a bracketed IPv6
  /// host). False with why.
  bool start(const std::string& listen, std::string* why);
  void stop();

  /// The answer for a path: status, content type, body (the handler's logic, testable without a socket).
  struct Reply {
    unsigned status = 404;
    std::string type = "text/plain; charset=utf-8";
    std::string body = "not found\n";
  };
  Reply answer(const std::string& method, const std::string& path) const;

 private:
  Text metrics_;
  const Health* health_;
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace drift
