// One HTTP request through libcurl, always with a timeout.
#pragma once

#include <chrono>
#include <string>

namespace drift {

struct HttpResponse {
  long status = 0;     // 0: no answer (error says why)
  std::string body;
  std::string error;
};

/// Sends one request and waits at most `timeout` for the whole exchange.
/// Safe to call from several threads (no signals, no shared handle).
HttpResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                          const std::string& content_type, std::chrono::milliseconds timeout);

/// Initialises libcurl once; call from main before any thread starts.
void http_global_init();

}  // namespace drift
