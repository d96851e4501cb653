// YAML reader (kubelet config.yaml, static pod manifests). yaml-cpp is used
// here and only here for host files; its exceptions become FlatDoc::error with
// the line. Like the kubelet's strict decoder, a key given twice is an error,
// and the walk is bounded (depth, number of values), so an alias bomb is a
// parse error rather than an afternoon of CPU. Before any node is built, the
// text is checked for bytes YAML does not allow (C0 controls but tab, LF, CR:
// yaml-cpp 0.7 builds nodes without end on some NUL-laden input, found by
// tests/fuzz/semantic_fuzz.cc) and an event pass bounds depth and size.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <sstream>

#include "semantic/key_path.h"
#include "semantic/readers.h"
#include "semantic/tree_keys.h"

namespace drift {
namespace {

struct YamlError {
  int line;
  std::string message;
};

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// The event pass: nesting and the number of events bounded before yaml-cpp
// builds a tree.
class ShapeCheck : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { count(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override { deeper(mark); }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override { deeper(mark); }
  void OnMapEnd() override { --depth_; }

 private:
  void count(const YAML::Mark& mark) {
    if (++events_ > 4 * kMaxFlatValues) throw YamlError{mark.line + 1, "more than " + std::to_string(4 * kMaxFlatValues) + " YAML events"};
  }
  void deeper(const YAML::Mark& mark) {
    count(mark);
    if (++depth_ > kMaxNesting) throw YamlError{mark.line + 1, "nested more than " + std::to_string(kMaxNesting) + " levels deep"};
  }
  size_t events_ = 0;
  int depth_ = 0;
};

void check_bytes(std::string_view text) {
  int line = 1;
  for (unsigned char c : text) {
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      throw YamlError{line, std::string("byte ") + hex + " is not allowed in YAML"};
    }
  }
}

void check_shape(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  ShapeCheck check;
  while (parser.HandleNextDocument(check)) {
  }
}

class Walker {
 public:
  explicit Walker(FlatDoc* doc) : doc_(doc) {}

  void walk(const YAML::Node& n, const std::string& key, int depth) {
    if (depth > kMaxNesting) throw YamlError{line_of(n), "nested more than " + std::to_string(kMaxNesting) + " levels deep"};
    switch (n.Type()) {
      case YAML::NodeType::Map: {
        if (n.size() == 0) return leaf(key, "{}", n);
        std::set<std::string> seen;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) throw YamlError{line_of(kv.first), "a key that is not a scalar"};
          const std::string k = kv.first.Scalar();
          if (!seen.insert(k).second) throw YamlError{line_of(kv.first), "duplicate key '" + k + "'"};
          walk(kv.second, join_key(key, k), depth + 1);
        }
        return;
      }
      case YAML::NodeType::Sequence: {
        if (n.size() == 0) return leaf(key, "[]", n);
        static const std::vector<std::string> kCandidates = {"name"};
        std::vector<std::vector<std::optional<std::string>>> fields;
        for (const auto& item : n) {
          std::vector<std::optional<std::string>> f(kCandidates.size());
          if (item.IsMap()) {
            for (size_t c = 0; c < kCandidates.size(); ++c) {
              for (const auto& kv : item) {
                if (kv.first.IsScalar() && kv.first.Scalar() == kCandidates[c] && kv.second.IsScalar()) {
                  f[c] = kv.second.Scalar();
                }
              }
            }
          }
          fields.push_back(std::move(f));
        }
        const std::string field = natural_list_key(fields, kCandidates);
        size_t i = 0;
        for (const auto& item : n) {
          KeyPath seg = {field.empty() ? key_index(i) : key_select(field, *fields[i][0])};
          walk(item, key + format_key_path(seg), depth + 1);
          ++i;
        }
        return;
      }
      case YAML::NodeType::Scalar: return leaf(key, n.Scalar(), n);
      case YAML::NodeType::Null: return leaf(key, "null", n);
      case YAML::NodeType::Undefined: return;
    }
  }

 private:
  void leaf(const std::string& key, const std::string& value, const YAML::Node& n) {
    if (doc_->values.size() >= kMaxFlatValues) throw YamlError{line_of(n), "more than " + std::to_string(kMaxFlatValues) + " values"};
    doc_->set(key.empty() ? "\"\"" : key, {value, "", line_of(n)});
  }
  FlatDoc* doc_;
};

}  // namespace

FlatDoc read_yaml(std::string_view text) {
  FlatDoc doc;
  try {
    check_bytes(text);
    const std::string owned(text);
    check_shape(owned);
    std::vector<YAML::Node> docs = YAML::LoadAll(owned);
    if (docs.size() > 1) throw YamlError{line_of(docs[1]), "a second YAML document"};
    if (docs.empty() || docs[0].IsNull()) return doc;
    if (!docs[0].IsMap()) throw YamlError{line_of(docs[0]), "expected a mapping at the top"};
    Walker(&doc).walk(docs[0], "", 0);
  } catch (const YamlError& e) {
    doc = FlatDoc::failed(e.message, e.line);
  } catch (const YAML::Exception& e) {
    doc = FlatDoc::failed("invalid YAML: " + e.msg, e.mark.line + 1);
  }
  return doc;
}

}  // namespace drift
