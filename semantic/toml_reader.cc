// TOML reader (containerd config.toml). toml++ is used here and only here; its
// parse_error becomes FlatDoc::error with the line. With a FileSource the
// `imports` are read as containerd 1.6's LoadConfig does: breadth first from
// the main file, each import resolved against the directory of the file that
// names it (globs sorted, as Go's filepath.Glob), each file loaded once, and
// merged as mergeConfig does: every `plugins.<name>` table of an imported file
// replaces the whole table, lists are appended, other tables are merged key by
// key and the imported value wins. Values keep the file and line they came
// from. (mergo does not let a zero value override; that nuance is not
// modelled: an imported `false` wins here.)
#include <toml++/toml.h>

#include <algorithm>
#include <deque>
#include <set>
#include <sstream>

#include "lib/paths.h"
#include "semantic/key_path.h"
#include "semantic/readers.h"

namespace drift {
namespace {

struct TomlError {
  std::string file;
  int line;
  std::string message;
};

constexpr size_t kMaxImportedFiles = 64;

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string file_of(const toml::node& n) { return n.source().path ? *n.source().path : ""; }

std::string scalar_text(const toml::node& n) {
  if (const auto* s = n.as_string()) return s->get();
  std::ostringstream os;
  n.visit([&os](const auto& v) { os << v; });
  return os.str();
}

void walk(const toml::node& n, const std::string& key, int depth, FlatDoc* doc) {
  if (depth > kMaxNesting) throw TomlError{file_of(n), line_of(n), "nested more than " + std::to_string(kMaxNesting) + " levels deep"};
  auto leaf = [&](const std::string& value) {
    if (doc->values.size() >= kMaxFlatValues) throw TomlError{file_of(n), line_of(n), "too many values"};
    doc->set(key, {value, file_of(n), line_of(n)});
  };
  if (const auto* t = n.as_table()) {
    if (t->empty()) return leaf("{}");
    for (const auto& [k, v] : *t) walk(v, join_key(key, k.str()), depth + 1, doc);
    return;
  }
  if (const auto* a = n.as_array()) {
    if (a->empty()) return leaf("[]");
    for (size_t i = 0; i < a->size(); ++i) walk((*a)[i], key + "[" + std::to_string(i) + "]", depth + 1, doc);
    return;
  }
  leaf(scalar_text(n));
}

// True when `key` is `prefix` or below it.
bool under(const std::string& key, const std::string& prefix) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  return key.size() == prefix.size() || key[prefix.size()] == '.' || key[prefix.size()] == '[';
}

void erase_under(FlatDoc* doc, const std::string& prefix) {
  std::vector<std::string> gone;
  for (const std::string& k : doc->order) {
    if (under(k, prefix)) gone.push_back(k);
  }
  for (const std::string& k : gone) doc->erase(k);
}

// mergeConfig's rules, on the flat values (toml++ does not copy a node's
// source with the node, so files and lines survive only this way): the named
// tables of plugins, proxy_plugins and stream_processors are replaced whole,
// the top-level lists (disabled_plugins, required_plugins, imports) appended,
// every other value overridden.
void merge_into(FlatDoc* to, const toml::table& from_table, const FlatDoc& from) {
  for (const char* replaced_by_name : {"plugins", "proxy_plugins", "stream_processors"}) {
    const toml::table* t = from_table[replaced_by_name].as_table();
    if (!t) continue;
    for (const auto& [name, v] : *t) erase_under(to, join_key(replaced_by_name, name.str()));
  }
  std::vector<std::string> appended;  // top-level lists both sides have items of
  for (const auto& [k, v] : from_table) {
    const toml::array* list = v.as_array();
    const std::string key = join_key("", k.str());
    size_t have = 0;
    while (to->find(key + "[" + std::to_string(have) + "]")) ++have;
    if (!list || list->empty() || have == 0) continue;
    appended.push_back(key);
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string item = key + "[" + std::to_string(i) + "]";
      for (const std::string& fk : from.order) {
        if (under(fk, item)) to->set(key + "[" + std::to_string(have + i) + "]" + fk.substr(item.size()), from.values.at(fk));
      }
    }
  }
  for (const std::string& k : from.order) {
    if (std::any_of(appended.begin(), appended.end(), [&k](const std::string& a) { return under(k, a); })) continue;
    // An empty table or list above this key (`x = {}` then `[x.y]`) is no more.
    for (std::string prefix = k;;) {
      const size_t cut = prefix.find_last_of(".[");
      if (cut == std::string::npos || cut == 0) break;
      prefix.resize(cut);
      if (const FlatValue* leaf = to->find(prefix); leaf && (leaf->value == "{}" || leaf->value == "[]")) to->erase(prefix);
    }
    to->erase(k);
    to->set(k, from.values.at(k));
  }
}

toml::table parse_one(std::string_view text, const std::string& file) {
  try {
    return toml::parse(text, file.empty() ? std::string_view() : std::string_view(file));
  } catch (const toml::parse_error& e) {
    throw TomlError{file, static_cast<int>(e.source().begin.line), "invalid TOML: " + std::string(e.description())};
  }
}

std::vector<std::string> imports_of(const toml::table& t, const std::string& parent, const FileSource& files) {
  std::vector<std::string> out;
  const toml::array* list = t["imports"].as_array();
  if (!list) return out;
  for (const auto& item : *list) {
    const auto* s = item.as_string();
    if (!s) throw TomlError{file_of(item), line_of(item), "imports: expected strings"};
    std::string path = s->get();
    if (path.empty()) continue;
    if (path[0] != '/') path = directory_of(parent) + "/" + path;
    if (path.find_first_of("*?[") != std::string::npos) {
      for (std::string& p : files.glob(path)) out.push_back(std::move(p));
    } else {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace

FlatDoc read_toml(std::string_view text, const std::string& file, const FileSource* files) {
  FlatDoc doc;
  try {
    const toml::table main = parse_one(text, file);
    if (!main.empty()) walk(main, "", 0, &doc);
    if (files) {
      std::deque<std::string> pending;
      for (std::string& p : imports_of(main, file, *files)) pending.push_back(std::move(p));
      std::set<std::string> loaded = {file};
      while (!pending.empty()) {
        const std::string path = pending.front();
        pending.pop_front();
        if (!loaded.insert(path).second) continue;
        if (loaded.size() > kMaxImportedFiles) throw TomlError{path, 0, "more than " + std::to_string(kMaxImportedFiles) + " imported files"};
        std::string body, err;
        if (!files->read(path, &body, &err)) throw TomlError{path, 0, "import cannot be read: " + err};
        const toml::table imported = parse_one(body, path);
        FlatDoc flat;
        if (!imported.empty()) walk(imported, "", 0, &flat);
        merge_into(&doc, imported, flat);
        for (std::string& p : imports_of(imported, path, *files)) pending.push_back(std::move(p));
      }
    }
  } catch (const TomlError& e) {
    doc = FlatDoc::failed(e.message, e.line, e.file);
  }
  return doc;
}

}  // namespace drift
