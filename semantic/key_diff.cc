// The key differ. It compares two FlatDocs and redacts on the way out: a key
// named as a secret, or a value either side of which the content detector
// flags, shows `<redacted: changed>` (`<redacted>` for an added or removed
// one), so no caller can forget to.
#include "semantic/key_diff.h"

#include "semantic/secret_keys.h"

namespace drift {

const char* key_op_name(KeyOp op) {
  switch (op) {
    case KeyOp::kAdded: return "added";
    case KeyOp::kRemoved: return "removed";
    case KeyOp::kChanged: return "changed";
  }
  return "changed";
}

namespace {

void redact(KeyChange* c) {
  const bool secret = secret_key_name(c->key) || (!c->old_value.empty() && secret_value(c->key, c->old_value)) ||
                      (!c->new_value.empty() && secret_value(c->key, c->new_value));
  if (!secret) return;
  c->redacted = true;
  const char* shown = c->op == KeyOp::kChanged ? kRedactedChanged : kRedacted;
  if (c->op != KeyOp::kAdded) c->old_value = shown;
  if (c->op != KeyOp::kRemoved) c->new_value = shown;
}

}  // namespace

KeyDiff diff_flat(const FlatDoc& before, const FlatDoc& after) {
  KeyDiff d;
  if (!before.ok()) d.error = "before: " + before.error_text();
  if (!after.ok()) d.error += (d.error.empty() ? "" : "; ") + std::string("now: ") + after.error_text();
  if (!d.ok()) return d;
  for (const std::string& key : after.order) {
    const FlatValue& now = after.values.at(key);
    const FlatValue* was = before.find(key);
    if (was && was->value == now.value) continue;
    KeyChange c;
    c.key = key;
    c.op = was ? KeyOp::kChanged : KeyOp::kAdded;
    c.old_value = was ? was->value : "";
    c.old_line = was ? was->line : 0;
    c.new_value = now.value;
    c.new_line = now.line;
    redact(&c);
    d.changes.push_back(std::move(c));
  }
  for (const std::string& key : before.order) {
    if (after.find(key)) continue;
    const FlatValue& was = before.values.at(key);
    KeyChange c;
    c.key = key;
    c.op = KeyOp::kRemoved;
    c.old_value = was.value;
    c.old_line = was.line;
    redact(&c);
    d.changes.push_back(std::move(c));
  }
  return d;
}

KeyDiff diff_keys(std::string_view before, std::string_view after, Format format) {
  return diff_flat(read_format(format, before), read_format(format, after));
}

}  // namespace drift
