// JSON reader (CNI .conflist/.conf). nlohmann-json is used here for host
// files; its exceptions become FlatDoc::error with the line computed from the
// byte offset it reports. A repeated key keeps the last value, as Go's
// encoding/json (and so the CNI plugins) does. nlohmann gives no line per
// value: values carry line 0.
#include <nlohmann/json.hpp>

#include "semantic/key_path.h"
#include "semantic/readers.h"
#include "semantic/tree_keys.h"

namespace drift {
namespace {

using nlohmann::json;

struct JsonError {
  std::string message;
};

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void walk(const json& n, const std::string& key, int depth, FlatDoc* doc) {
  if (depth > kMaxNesting) throw JsonError{"nested more than " + std::to_string(kMaxNesting) + " levels deep"};
  auto leaf = [&](const std::string& value) {
    if (doc->values.size() >= kMaxFlatValues) throw JsonError{"more than " + std::to_string(kMaxFlatValues) + " values"};
    doc->set(key.empty() ? "\"\"" : key, {value, "", 0});
  };
  if (n.is_object()) {
    if (n.empty()) return leaf("{}");
    for (auto it = n.begin(); it != n.end(); ++it) walk(it.value(), join_key(key, it.key()), depth + 1, doc);
    return;
  }
  if (n.is_array()) {
    if (n.empty()) return leaf("[]");
    static const std::vector<std::string> kCandidates = {"type", "name"};
    std::vector<std::vector<std::optional<std::string>>> fields;
    for (const json& item : n) {
      std::vector<std::optional<std::string>> f(kCandidates.size());
      for (size_t c = 0; c < kCandidates.size(); ++c) {
        if (item.is_object() && item.contains(kCandidates[c]) && item[kCandidates[c]].is_string()) {
          f[c] = item[kCandidates[c]].get<std::string>();
        }
      }
      fields.push_back(std::move(f));
    }
    const std::string field = natural_list_key(fields, kCandidates);
    const size_t c = field == "type" ? 0 : 1;
    for (size_t i = 0; i < n.size(); ++i) {
      KeyPath seg = {field.empty() ? key_index(i) : key_select(field, *fields[i][c])};
      walk(n[i], key + format_key_path(seg), depth + 1, doc);
    }
    return;
  }
  leaf(scalar_text(n));
}

int line_at(std::string_view text, size_t byte) {
  int line = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

FlatDoc read_json(std::string_view text) {
  FlatDoc doc;
  try {
    // The callback bounds nesting while parsing, before any deep tree exists.
    const json::parser_callback_t bound = [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxNesting) throw JsonError{"nested more than " + std::to_string(kMaxNesting) + " levels deep"};
      return true;
    };
    const json root = json::parse(text.begin(), text.end(), bound);
    if (!root.is_object()) throw JsonError{"expected an object at the top"};
    walk(root, "", 0, &doc);
  } catch (const JsonError& e) {
    doc = FlatDoc::failed(e.message);
  } catch (const json::parse_error& e) {
    doc = FlatDoc::failed("invalid JSON: " + std::string(e.what()), line_at(text, e.byte ? e.byte - 1 : 0));
  } catch (const json::exception& e) {
    doc = FlatDoc::failed("invalid JSON: " + std::string(e.what()));
  }
  return doc;
}

}  // namespace drift
