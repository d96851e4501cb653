#!/usr/bin/env bash
# Hostile input through the CLI, as the security review tried it: a baseline
# with two indexes is refused with 17 by every command (sign included), so
# `diff` can no longer show a peer clean while `install` records a backdoor;
# endless files end in bounded errors; a config cannot silently mean less than
# it says; `--output` onto a device node writes the device, never replaces it;
# a corrupted installed baseline does not open the door to an older serial.
source "$(dirname "$0")/lib.sh"
make_baseline
"$DRIFTCTL" keygen --signing-key "$T/op.pem" --public-key "$T/op.pub" 2>/dev/null || fail keygen

# --- 1. one archive, one meaning -----------------------------------------------------------
# Rebuild the payload with a second index that records a backdoored /usr/bin/tool, as a node
# would hand it over unsigned: plain tar + zstd, then a correct unsigned trailer.
run 0 baseline create --config "$T/config.yaml" --output "$T/clean.drift"
mkdir "$T/x"
head -c -166 "$T/clean.drift" | zstd -dq | tar -x -C "$T/x"
[[ -f $T/x/index && -f $T/x/meta && -f $T/x/packages ]] || fail "unexpected members: $(ls "$T/x")"
python3 - "$T/x" <<'PY'
import hashlib, io, sys, tarfile, os
d = sys.argv[1]
def member(tf, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
    tf.addfile(info, io.BytesIO(data))
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
    for name in ("meta", "packages", "index"):
        member(tf, name, open(os.path.join(d, name), "rb").read())
    # the second index: /usr/bin/tool with another content hash
    lines = open(os.path.join(d, "index"), "rb").read().split(b"\n")
    out = []
    for l in lines:
        f = l.split(b"\t")
        if f and f[0] == b"/usr/bin/tool":
            f[12] = b"f" * 64
        out.append(b"\t".join(f))
    member(tf, "index", b"\n".join(out))
open(os.path.join(d, "two-index.tar"), "wb").write(raw.getvalue())
PY
zstd -q -c "$T/x/two-index.tar" > "$T/x/payload"
sha=$(sha256sum "$T/x/payload" | cut -c1-64)
{ cat "$T/x/payload"; printf 'DRIFTD-SIG1 unsignd %s %s%s\n' "----------------" "$sha" \
    "----------------------------------------------------------------"; } > "$T/two-index.drift"
run 17 baseline sign --signing-key "$T/key.pem" "$T/two-index.drift" --output "$T/signed.drift"
has "archive member 'index' unexpected here" err
[[ ! -e $T/signed.drift ]] || fail "sign wrote a signed copy of a two-index baseline"
run 17 diff --config "$T/config.yaml" --allow-unsigned "$T/clean.drift" "$T/two-index.drift"
run 17 baseline show --allow-unsigned "$T/two-index.drift"
run 18 baseline verify --public-key "$T/key.pub" "$T/two-index.drift"   # unsigned: refused before its members
run 17 check --config "$T/config.yaml" --baseline "$T/two-index.drift" --allow-unsigned
run 17 accept --config "$T/config.yaml" --baseline "$T/two-index.drift" --allow-unsigned --all --output "$T/acc.drift"
run 18 baseline install --config "$T/config.yaml" "$T/two-index.drift"

# Endless inputs end in a bounded error.
run 17 baseline verify --public-key "$T/key.pub" /dev/zero
has "more than" err
run 17 baseline sign --signing-key "$T/key.pem" /dev/zero --output "$T/z.drift"
run 16 check --config /dev/zero
run 16 check --config "$T"
has "is a directory" err

# --- 5. the config cannot silently mean less than it says ----------------------------------
cp "$T/config.yaml" "$T/dup.yaml"
printf 'content:\n  never: ["*"]\n' >> "$T/dup.yaml"
run 16 check --config "$T/dup.yaml"
has "duplicate key 'content'" err
printf 'paths: []\n' > "$T/none.yaml"
run 16 check --config "$T/none.yaml"
has "selects nothing" err
sed 's/^paths:/rescan_interval: 0ms\npaths:/' "$T/config.yaml" > "$T/zero.yaml"
run 16 check --config "$T/zero.yaml"
has "rescan_interval: must be between" err

# --- 7. writes: a device node is written, never replaced; a symlink is refused --------------
mknod "$T/null" c 1 3 2>/dev/null || { echo "no mknod here (not root?): skipping the device part" >&2; skip_dev=1; }
if [[ -z ${skip_dev:-} ]]; then
  mkfifo "$T/lonely"
  run 20 baseline create --config "$T/config.yaml" --output "$T/lonely"   # no reader: an error, not a hang
  has "a FIFO with no reader" err
  run 0 baseline create --config "$T/config.yaml" --output "$T/null"
  [[ -c $T/null ]] || fail "baseline create --output replaced a character device with: $(stat -c %F "$T/null")"
  mkfifo "$T/fifo"
  cat "$T/fifo" > "$T/from-fifo" & reader=$!
  # A FIFO without a reader is an error (never a hang): wait until cat holds it open.
  for _ in $(seq 600); do
    find "/proc/$reader/fd" -lname "$T/fifo" 2>/dev/null | grep -q . && break
    sleep 0.05
  done
  run 0 baseline create --config "$T/config.yaml" --output "$T/fifo"
  wait $reader
  [[ -p $T/fifo ]] || fail "the FIFO was replaced"
  run 0 baseline show --allow-unsigned "$T/from-fifo"   # what went through the FIFO is a whole baseline
fi
ln -s "$T/elsewhere.drift" "$T/link.drift"
run 20 baseline create --config "$T/config.yaml" --output "$T/link.drift"
has "is a symlink" err
[[ ! -e $T/elsewhere.drift ]] || fail "wrote through a symlink"

# --- 7. install keeps the rollback floor in state_dir ----------------------------------------
run 0 baseline install --config "$T/config.yaml" "$T/state/baseline.drift"
cp "$T/state/baseline.drift" "$T/old.drift"
echo change >> "$ROOT/etc/hosts"
run 0 accept --config "$T/config.yaml" --path /etc/hosts --output "$T/new.drift" --signing-key "$T/key.pem"
run 0 baseline install --config "$T/config.yaml" "$T/new.drift"
new_serial=$("$DRIFTCTL" baseline show --public-key "$T/key.pub" "$T/new.drift" | sed -n 's/  serial: //p')
[[ $(cat "$T/state/highest-serial") == "$new_serial" ]] || fail "highest-serial is not the installed serial"
printf 'garbage' > "$T/state/baseline.drift"   # the installed file no longer says what it was
run 19 baseline install --config "$T/config.yaml" "$T/old.drift"
has "no rollback" err
echo "trust_inputs: ok"
