#!/usr/bin/env bash
# Builds kro's controller from its published Go module, pinned in go.mod, into bin/kro, and copies
# its CRDs (helm/crds of the same module version, from Go's module cache) into bin/crds/.
# For the benchmark only (`bench --cluster real --kro`): not part of .ci/run.
# A stamp file records what was built: a second run with the same pin is a no-op; Go's module and
# build caches make a rebuild after a pin change incremental.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "it/kro: the Go toolchain (go) is required to build kro" >&2; exit 1; }

module=github.com/kubernetes-sigs/kro
version=$(awk -v m="$module" '($1 == m && $2 ~ /^v/) {print $2; exit} ($1 == "require" && $2 == m) {print $3; exit}' go.mod)
[[ -n "$version" ]] || { echo "it/kro: cannot read the pin of $module from go.mod" >&2; exit 1; }
out=bin
stamp_content="kro=${version} go=$(go env GOVERSION) src=$(cat go.mod go.sum tools.go build.sh | sha256sum | cut -c1-16)"
stamp="$out/.stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_content" && -x "$out/kro" ]]; then
  echo "it/kro: $out/kro is up to date (kro $version)"; exit 0
fi

echo "it/kro: building kro $version into $out/kro"
mkdir -p "$out/crds"
rm -f "$stamp"
go mod download "$module"
# nice: the machine is small and shared; the build yields to everything else.
CGO_ENABLED=0 nice -n 15 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$out/kro" "$module/cmd/controller"
dir=$(go list -m -f '{{.Dir}}' "$module")
cp "$dir"/helm/crds/*.yaml "$out/crds/"
chmod u+w "$out"/crds/*.yaml
echo "$stamp_content" > "$stamp"
echo "it/kro: done ($out/kro, CRDs in $out/crds)"
