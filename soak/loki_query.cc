// The Loki query client and the jsonl reader (see loki_query.h). nlohmann's
// exceptions stop here; HTTP goes through lib/http_client (libcurl).
#include "soak/loki_query.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "baseline/escape.h"
#include "lib/backoff.h"
#include "lib/http_client.h"
#include "soak/soak_record.h"

namespace drift {

using nlohmann::json;

namespace {

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string stream_key(const QueryEntry& e) {
  std::string k;
  for (const auto& [n, v] : e.labels) k += n + '\x1f' + v + '\x1e';
  return k + '\x1d' + e.line;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on) {}
  ~ProgressLine() {
    if (on_ && drawn_) std::fputs("\r\033[K", stderr);
  }
  void draw(uint64_t piece, uint64_t pieces, uint64_t lines) {
    if (!on_) return;
    std::fprintf(stderr, "\r\033[Kreport: piece %llu/%llu, %llu lines, %.1fs", static_cast<unsigned long long>(piece),
                 static_cast<unsigned long long>(pieces), static_cast<unsigned long long>(lines), seconds_since(start_));
    std::fflush(stderr);
    drawn_ = true;
  }

 private:
  bool on_, drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// One request, retried on no answer, 429 and 5xx.
bool get_with_retries(const LokiQueryOptions& o, const PageFetcher& fetch, const RetryWait& wait, const PageRequest& req,
                      std::string* body, LokiQueryStats* stats, std::string* err) {
  Backoff backoff(o.backoff_min, o.backoff_max);
  for (int attempt = 1;; ++attempt) {
    ++stats->requests;
    const auto t0 = std::chrono::steady_clock::now();
    PageAnswer r = fetch(req);
    stats->loki_seconds += seconds_since(t0);
    if (r.status == 200) {
      *body = std::move(r.body);
      return true;
    }
    const bool retry = r.status == 0 || r.status == 429 || r.status >= 500;
    std::string why = r.status == 0 ? "no answer (" + r.error + ")" : "HTTP " + std::to_string(r.status);
    if (r.status != 0 && !r.body.empty()) why += ": " + escape_control_bytes(r.body.substr(0, 300));
    if (!retry || attempt >= o.attempts) {
      *err = "Loki " + o.url + ": " + why + (retry ? " (after " + std::to_string(attempt) + " attempts)" : "");
      return false;
    }
    ++stats->retries;
    wait(backoff.failed());
  }
}

}  // namespace

std::string logql_node_literal(const std::string& raw_node) {
  std::string re;
  for (char c : escape_bytes(raw_node)) {  // the label driftd writes is the escaped name
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) re += '\\';
    re += c;
  }
  std::string out;
  for (char c : re) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string soak_logql(const std::vector<std::string>& nodes) {
  std::string selector = "{job=\"driftd\"";
  if (!nodes.empty()) {
    selector += ", node=~\"";
    for (size_t i = 0; i < nodes.size(); ++i) selector += (i ? "|" : "") + logql_node_literal(nodes[i]);
    selector += "\"";
  }
  selector += "}";
  // The whole line is parsed (`| json` with named fields is lenient: it
  // stops at the last field it needs, so a truncated line would pass); the
  // nested actor.class is actor_class, the line's kind kind_extracted (the
  // stream has a kind label). The extracted labels are dropped again (keep),
  // so the answer is grouped by driftd's four stream labels and each entry
  // is one short line.
  std::string format = std::string(kProjectedMarker);
  for (const char* f : kProjectedFields) {
    const std::string name = f;
    format += "\\t{{." + (name == "line_kind" ? std::string("kind_extracted") : name) + "}}";
  }
  return selector + " | json | line_format \"" + format + "\" | keep job, node, kind, severity, __error__";
}

bool parse_query_range(const std::string& body, std::vector<QueryEntry>* out, std::string* err) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *err = "Loki's answer is not JSON";
    return false;
  }
  const json* result = nullptr;
  if (auto d = j.find("data"); d != j.end() && d->is_object()) {
    if (auto t = d->find("resultType"); t == d->end() || *t != "streams") {
      *err = "Loki's answer is not a log stream result";
      return false;
    }
    if (auto r = d->find("result"); r != d->end() && r->is_array()) result = &*r;
  }
  if (!result) {
    *err = "Loki's answer has no data.result";
    return false;
  }
  for (const json& s : *result) {
    QueryEntry base;
    if (auto st = s.find("stream"); st != s.end() && st->is_object()) {
      for (const auto& [k, v] : st->items()) {
        if (v.is_string()) base.labels[k] = v.get<std::string>();
      }
    }
    auto values = s.find("values");
    if (values == s.end() || !values->is_array()) continue;
    for (const json& v : *values) {
      if (!v.is_array() || v.size() < 2 || !v[0].is_string() || !v[1].is_string()) continue;
      QueryEntry e;
      e.labels = base.labels;
      e.ts_ns = std::strtoll(v[0].get_ref<const std::string&>().c_str(), nullptr, 10);
      e.line = v[1].get<std::string>();
      out->push_back(std::move(e));
    }
  }
  std::stable_sort(out->begin(), out->end(), [](const QueryEntry& a, const QueryEntry& b) {
    if (a.ts_ns != b.ts_ns) return a.ts_ns < b.ts_ns;
    return a.labels != b.labels ? a.labels < b.labels : a.line < b.line;
  });
  return true;
}

bool query_pages(const LokiQueryOptions& o, const PageFetcher& fetch, const RetryWait& wait, const EntrySink& sink,
                 LokiQueryStats* stats, std::string* err) {
  // Every request starts 1 ns before its piece or page, so a piece is 1 ns
  // shorter than the longest request Loki takes.
  const int64_t step = std::max<int64_t>(1, o.max_query_length_ns - 1);
  const uint64_t pieces = static_cast<uint64_t>((o.to_ns - o.from_ns + step - 1) / step);
  const size_t base_limit = std::max<size_t>(1, o.limit);
  ProgressLine progress(o.progress);
  for (int64_t piece_start = o.from_ns; piece_start < o.to_ns; piece_start += step) {
    // [piece_start, piece_end): the next piece starts where this one ends.
    const int64_t piece_end = o.to_ns - piece_start > step ? piece_start + step : o.to_ns;
    ++stats->pieces;
    int64_t cursor = piece_start;  // every entry before it is delivered
    std::set<std::string> seen;    // and these at it
    size_t limit = base_limit;
    for (;;) {
      // From 1 ns before the cursor: entries at the cursor come back even
      // from a Loki whose start is not inclusive.
      const PageRequest req{cursor - 1, piece_end, limit};
      std::string body;
      if (!get_with_retries(o, fetch, wait, req, &body, stats, err)) return false;
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<QueryEntry> page;
      if (!parse_query_range(body, &page, err)) {
        *err = "Loki " + o.url + ": " + *err;
        return false;
      }
      stats->parse_seconds += seconds_since(t0);
      for (const QueryEntry& e : page) {
        if (e.ts_ns < cursor || e.ts_ns >= piece_end) {
          ++stats->duplicates_dropped;  // delivered already, or the next piece's
          continue;
        }
        if (e.ts_ns == cursor && !seen.insert(stream_key(e)).second) {
          ++stats->duplicates_dropped;
          continue;
        }
        ++stats->entries;
        sink(e.labels, e.ts_ns, e.line);
      }
      progress.draw(stats->pieces, pieces, stats->entries);
      if (page.size() < limit) break;  // the rest of the piece was in this page
      const int64_t last = page.back().ts_ns;
      if (last >= piece_end) break;    // a Loki with an inclusive end: the same
      if (last <= cursor) {
        // A full page that got no further than the cursor: the rest of that
        // timestamp lies beyond the limit. Ask for more at once.
        limit *= 2;
        continue;
      }
      seen.clear();
      for (auto it = page.rbegin(); it != page.rend() && it->ts_ns == last; ++it) seen.insert(stream_key(*it));
      cursor = last;
      limit = base_limit;
    }
  }
  return true;
}

bool query_loki(const LokiQueryOptions& o, const EntrySink& sink, LokiQueryStats* stats, std::string* err) {
  const std::string prefix = (o.url.size() && o.url.back() == '/' ? o.url.substr(0, o.url.size() - 1) : o.url) +
                             "/loki/api/v1/query_range?direction=forward&query=" + url_encode(soak_logql(o.nodes));
  const PageFetcher fetch = [&](const PageRequest& r) {
    HttpResponse h = http_request("GET",
                                  prefix + "&start=" + std::to_string(r.start_ns) + "&end=" + std::to_string(r.end_ns) +
                                      "&limit=" + std::to_string(r.limit),
                                  "", "", o.timeout);
    return PageAnswer{h.status, std::move(h.body), std::move(h.error)};
  };
  // A retry's wait, not synchronisation.
  const RetryWait wait = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return query_pages(o, fetch, wait, sink, stats, err);
}

bool read_jsonl_entries(const std::string& path, const EntrySink& sink, const std::function<void(const std::string&)>& skip,
                        std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "cannot read " + escape_bytes(path);
    return false;
  }
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("line") || !j["line"].is_string()) {
      skip("not a logcli jsonl entry");
      continue;
    }
    std::map<std::string, std::string> labels;
    if (auto l = j.find("labels"); l != j.end() && l->is_object()) {
      for (const auto& [k, v] : l->items()) {
        if (v.is_string()) labels[k] = v.get<std::string>();
      }
    }
    int64_t ts = 0;
    if (auto t = j.find("timestamp"); t != j.end() && t->is_string()) parse_rfc3339(t->get<std::string>(), &ts);
    sink(labels, ts, j["line"].get_ref<const std::string&>());
  }
  if (in.bad()) {
    *err = "cannot read " + escape_bytes(path);
    return false;
  }
  return true;
}

}  // namespace drift
