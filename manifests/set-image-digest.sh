#!/usr/bin/env bash
# set-image-digest.sh sha256:HEX: pins ghcr.io/viktorbarzin/driftd to this digest in both
# installs, kustomization.yaml (images:) and terraform/main.tf (local.image). Run by
# .github/workflows/image.yml after it pushes an image; tests/k8s/image.sh runs it on a copy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
digest=${1:?usage: set-image-digest.sh sha256:HEX}
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "set-image-digest: not a sha256 digest: $digest" >&2; exit 2; }
sed -i -E "s|^(    digest: )sha256:[0-9a-f]{64}$|\1$digest|" "$here/kustomization.yaml"
sed -i -E "s|^(  image += \"ghcr\.io/viktorbarzin/driftd@)sha256:[0-9a-f]{64}\"$|\1$digest\"|" "$here/terraform/main.tf"
grep -q "^    digest: $digest$" "$here/kustomization.yaml" || { echo "set-image-digest: kustomization.yaml not updated" >&2; exit 1; }
grep -q "driftd@$digest\"$" "$here/terraform/main.tf" || { echo "set-image-digest: terraform/main.tf not updated" >&2; exit 1; }
echo "ghcr.io/viktorbarzin/driftd@$digest"
