#!/usr/bin/env bash
# Signing and refusals: the sign-elsewhere pipeline, tampered, unsigned, other
# key, other node, rollback; each refusal with its exit code class and reason.
source "$(dirname "$0")/lib.sh"
mkdir -p "$T/state"

# create (unsigned, on the node) | sign (operator's machine) | install (node)
"$DRIFTCTL" baseline create --config "$T/config.yaml" --output - 2>/dev/null |
  "$DRIFTCTL" baseline sign --signing-key "$T/key.pem" - 2>/dev/null |
  "$DRIFTCTL" baseline install --config "$T/config.yaml" - 2>"$T/err" || { cat "$T/err"; fail "pipeline"; }
has "installed baseline serial" err
run 0 baseline verify --public-key "$T/key.pub" "$T/state/baseline.drift"
has "OK:"
check 0

# Tampered: one byte in the middle.
cp "$T/state/baseline.drift" "$T/tampered.drift"
size=$(stat -c %s "$T/tampered.drift")
printf '\x01' | dd of="$T/tampered.drift" bs=1 seek=$((size / 2)) conv=notrunc status=none
run 18 baseline verify --public-key "$T/key.pub" "$T/tampered.drift"
has "signature invalid" err
run 18 check --config "$T/config.yaml" --baseline "$T/tampered.drift"

# Truncated and garbage.
head -c $((size - 10)) "$T/state/baseline.drift" > "$T/trunc.drift"
run 17 baseline verify --public-key "$T/key.pub" "$T/trunc.drift"
has "truncated" err
echo "not a baseline" > "$T/garbage.drift"
run 17 check --config "$T/config.yaml" --baseline "$T/garbage.drift"

# Unsigned: refused unless --allow-unsigned, which says so loudly.
run 0 baseline create --config "$T/config.yaml" --output "$T/unsigned.drift"
run 18 check --config "$T/config.yaml" --baseline "$T/unsigned.drift"
has "unsigned" err
has "pass --allow-unsigned" err
# install and verify accept no --allow-unsigned: their refusal does not offer it.
run 18 baseline install --config "$T/config.yaml" "$T/unsigned.drift"
has "unsigned" err
hasnt "allow-unsigned" err
run 18 baseline verify --public-key "$T/key.pub" "$T/unsigned.drift"
hasnt "allow-unsigned" err
run 0 check --config "$T/config.yaml" --baseline "$T/unsigned.drift" --allow-unsigned
has "WARNING: --allow-unsigned" err

# Signed by another key.
"$DRIFTCTL" keygen --signing-key "$T/other.pem" --public-key "$T/other.pub" 2>/dev/null
run 0 baseline sign --signing-key "$T/other.pem" "$T/unsigned.drift"
run 18 baseline verify --public-key "$T/key.pub" "$T/unsigned.drift"
has "signed by another key" err

# Another node's baseline: refused by check and install, fine for diff.
run 0 baseline create --config "$T/config.yaml" --node other-node --output "$T/other-node.drift" --signing-key "$T/key.pem"
run 19 check --config "$T/config.yaml" --baseline "$T/other-node.drift"
has "made for node 'other-node'" err
run 19 baseline install --config "$T/config.yaml" "$T/other-node.drift"
run 0 check --config "$T/config.yaml" --baseline "$T/other-node.drift" --allow-node-mismatch
run 0 diff --config "$T/config.yaml" "$T/state/baseline.drift" "$T/other-node.drift"

# Rollback: an older serial than the installed one is refused by install.
cp "$T/state/baseline.drift" "$T/old.drift"
echo change >> "$ROOT/etc/hosts"
run 0 accept --config "$T/config.yaml" --path /etc/hosts --output "$T/new.drift" --signing-key "$T/key.pem"
run 0 baseline install --config "$T/config.yaml" "$T/new.drift"
run 19 baseline install --config "$T/config.yaml" "$T/old.drift"
has "this node already had (no rollback)" err

# Usage errors are 16, never a drift bit.
run 16 check --config "$T/config.yaml" --no-such-flag
run 16 frobnicate
echo "signing: ok"
