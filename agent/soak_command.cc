// driftctl report. The handler resolves the range (--since, or --from and
// --to), the source (--input FILE, else --loki URL, else the config's
// loki.url), feeds every entry to the summary and writes one format. Exit
// codes as every verb's: 0 written, 16 usage, 20 when Loki cannot be read or
// the input or output cannot be (the reason on stderr). Progress goes to
// stderr on a terminal only, never into the report.
#include "agent/soak_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "agent/config.h"
#include "agent/exit_codes.h"
#include "lib/atomic_file.h"
#include "lib/cli_args.h"
#include "soak/loki_query.h"
#include "soak/soak_render.h"

namespace drift {

namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "driftctl: %s\n", message.c_str());
  return code;
}

bool parse_duration(const std::string& s, int64_t* ns) {
  if (s.size() < 2) return false;
  char* end = nullptr;
  const long long n = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() - 1 || n <= 0) return false;
  static const std::pair<char, int64_t> kUnits[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
  for (const auto& [u, secs] : kUnits) {
    if (s.back() == u) {
      *ns = n * secs * 1000000000;
      return true;
    }
  }
  return false;
}

bool parse_time(const std::string& s, int64_t* ns) {
  if (s.size() > 1 && s[0] == '@') {  // @UNIX_SECONDS, as date(1) takes it
    char* end = nullptr;
    const long long secs = std::strtoll(s.c_str() + 1, &end, 10);
    if (*end != '\0') return false;
    *ns = secs * 1000000000LL;
    return true;
  }
  if (parse_rfc3339(s, ns)) return true;
  return s.size() == 10 && parse_rfc3339(s + "T00:00:00Z", ns);
}

}  // namespace

int cmd_report(const Args& a) {
  std::string err;
  const std::string format = a.get("--format", "text");
  if (format != "text" && format != "markdown" && format != "html" && format != "json") {
    return fail(kExitUsage, "--format takes text, markdown, html or json, not '" + format + "'");
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t from = 0, to = now, since = 0;
  if (a.has("--since") && (a.has("--from") || a.has("--to"))) return fail(kExitUsage, "--since or --from/--to, not both");
  if (a.has("--from")) {
    if (!parse_time(a.get("--from"), &from)) return fail(kExitUsage, "--from: not RFC 3339 or YYYY-MM-DD: " + a.get("--from"));
    if (a.has("--to") && !parse_time(a.get("--to"), &to)) return fail(kExitUsage, "--to: not RFC 3339 or YYYY-MM-DD: " + a.get("--to"));
  } else {
    if (a.has("--to")) return fail(kExitUsage, "--to needs --from");
    if (!parse_duration(a.get("--since", "6w"), &since)) return fail(kExitUsage, "--since: not a duration like 6w, 42d, 1000h: " + a.get("--since"));
    from = now - since;
  }
  if (from >= to) return fail(kExitUsage, "the range is empty (--from is not before --to)");
  LokiQueryOptions q;
  q.from_ns = from;
  q.to_ns = to;
  if (a.repeated.count("--node")) q.nodes = a.repeated.at("--node");
  if (a.has("--limit")) {
    const long long l = std::strtoll(a.get("--limit").c_str(), nullptr, 10);
    if (l < 1 || l > 1000000) return fail(kExitUsage, "--limit: a number of entries from 1 up");
    q.limit = static_cast<size_t>(l);
  }
  if (a.has("--max-query-length") && !parse_duration(a.get("--max-query-length"), &q.max_query_length_ns)) {
    return fail(kExitUsage, "--max-query-length: not a duration like 721h");
  }

  SoakSummary summary(from, to, q.nodes);
  SoakSource source;
  const EntrySink sink = [&](const std::map<std::string, std::string>& labels, int64_t ts, std::string_view line) {
    summary.add_entry(labels, ts, line);
  };
  if (a.has("--input")) {
    source.what = "file " + a.get("--input");
    if (!read_jsonl_entries(a.get("--input"), sink, [&](const std::string& why) { summary.skip(why); }, &err)) {
      return fail(kExitIo, err);
    }
  } else {
    q.url = a.get("--loki");
    if (q.url.empty()) {
      Config c;
      if (!load_config(a.get("--config"), &c, &err)) return fail(kExitUsage, err);
      q.url = c.loki_url;
    }
    source.what = "Loki " + q.url;
    q.progress = !a.has("--quiet") && ::isatty(STDERR_FILENO);
    LokiQueryStats stats;
    if (!query_loki(q, sink, &stats, &err)) return fail(kExitIo, err);
    source.pieces = stats.pieces;
    source.requests = stats.requests;
    if (std::getenv("DRIFTCTL_REPORT_TIMING")) {
      std::fprintf(stderr, "driftctl: report timing: loki %.2fs, parse %.2fs, %llu entries, %llu requests\n",
                   stats.loki_seconds, stats.parse_seconds, static_cast<unsigned long long>(stats.entries),
                   static_cast<unsigned long long>(stats.requests));
    }
  }
  summary.finish();
  const std::string text = format == "json"       ? render_soak_json(summary)
                           : format == "markdown" ? render_soak_markdown(summary, source)
                           : format == "html"     ? render_soak_html(summary, source)
                                                  : render_soak_text(summary, source);
  const std::string out = a.get("--output", "-");
  if (out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0) return fail(kExitIo, std::string("cannot write the report: ") + std::strerror(errno));
  } else if (!write_file_atomically(out, text, 0644, &err)) {
    return fail(kExitIo, err);
  }
  return kExitOk;
}

}  // namespace drift
