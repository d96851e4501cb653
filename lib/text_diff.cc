// Unified diff by longest common subsequence over lines. Snapshots are small
// (content.max_bytes, 64 KiB by default), so the O(n*m) table is bounded; past
// kMaxCells we say so rather than stall a check.
#include "lib/text_diff.h"

#include <algorithm>
#include <vector>

namespace drift {
namespace {

constexpr size_t kMaxCells = 16u << 20;
constexpr size_t kContext = 3;

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t nl = s.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    lines.push_back(s.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

struct Op { char kind; size_t a, b; };  // ' ' keep, '-' delete a, '+' insert b

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after,
                         const std::string& before_label, const std::string& after_label) {
  const auto a = split_lines(before), b = split_lines(after);
  const size_t n = a.size(), m = b.size();
  if ((n + 1) * (m + 1) > kMaxCells) return "(files too large to diff line by line)\n";
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) ops.push_back({' ', i++, j++});
    else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) ops.push_back({'-', i++, j});
    else ops.push_back({'+', i, j++});
  }
  std::string out = "--- " + before_label + "\n+++ " + after_label + "\n";
  size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') { ++k; continue; }
    // A hunk: from kContext before this change to kContext after the last change
    // that is within 2*kContext of the previous one.
    size_t start = k >= kContext ? k - kContext : 0;
    size_t end = k;
    while (end < ops.size()) {
      if (ops[end].kind != ' ') { ++end; continue; }
      size_t run = end;
      while (run < ops.size() && ops[run].kind == ' ') ++run;
      if (run == ops.size() || run - end > 2 * kContext) { end = std::min(end + kContext, ops.size()); break; }
      end = run;
    }
    size_t a_start = ops[start].a, b_start = ops[start].b, a_len = 0, b_len = 0;
    for (size_t x = start; x < end; ++x) {
      if (ops[x].kind != '+') ++a_len;
      if (ops[x].kind != '-') ++b_len;
    }
    out += "@@ -" + std::to_string(a_len ? a_start + 1 : a_start) + "," + std::to_string(a_len) + " +" +
           std::to_string(b_len ? b_start + 1 : b_start) + "," + std::to_string(b_len) + " @@\n";
    for (size_t x = start; x < end; ++x) {
      std::string_view line = ops[x].kind == '+' ? b[ops[x].b] : a[ops[x].a];
      out += ops[x].kind;
      out.append(line);
      if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
    }
    k = end;
  }
  return out;
}

}  // namespace drift
