// YAML reader (kubelet config.yaml, static pod manifests). yaml-cpp is used
// here and only here for host files; its exceptions become FlatDoc::error with
// the line. Like the kubelet's strict decoder, a key given twice is an error,
// and the walk is bounded (depth, number of values), so an alias bomb is a
// parse error rather than an afternoon of CPU.
#include <yaml-cpp/yaml.h>

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
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.size() > 1) throw YamlError{line_of(docs[1]), "a second YAML document"};
    if (docs.empty() || docs[0].IsNull()) return doc;
    if (!docs[0].IsMap()) throw YamlError{line_of(docs[0]), "expected a mapping at the top"};
    Walker(&doc).walk(docs[0], "", 0);
  } catch (const YamlError& e) {
    doc = FlatDoc();
    doc.error = e.message;
    doc.error_line = e.line;
  } catch (const YAML::Exception& e) {
    doc = FlatDoc();
    doc.error = "invalid YAML: " + e.msg;
    doc.error_line = e.mark.line + 1;
  }
  return doc;
}

}  // namespace drift
