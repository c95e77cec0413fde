#!/usr/bin/env bash
# Builds the test cluster's binaries from the published Go modules pinned in go.mod, into
#   bin/k8s/<version>-linux-amd64/
# the layout fabric8 kube-api-test reads under KUBE_API_TEST_DIR (=it/cluster/bin):
#   etcd, kube-apiserver, kubectl                  the API server and its client
#   kube-controller-manager, kube-scheduler        the real controllers and scheduler
#   kwok                                           simulated nodes and pods (sigs.k8s.io/kwok)
#   kstatus                                        the kstatus verdict on an object (cmd/kstatus)
# All in one Go module and one `go build`, so the k8s.io packages they share compile once.
# A stamp file records what was built: a second run with the same pins is a no-op.
# Go's module and build caches make a rebuild after a pin change incremental.
set -euo pipefail
cd "$(dirname "$0")"

for arg in "$@"; do
  case "$arg" in
    --print-dir) PRINT_DIR=1 ;;
    *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "it/cluster: the Go toolchain (go) is required to build the binaries" >&2; exit 1; }

k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' go.mod)   # v1.37.2
etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2; exit}' go.mod)      # v3.7.0
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "cannot read pins from go.mod" >&2; exit 1; }
plain=${k8s_version#v}
major=${plain%%.*}; rest=${plain#*.}; minor=${rest%%.*}
out="bin/k8s/${plain}-linux-amd64"
if [[ "${PRINT_DIR:-0}" == 1 ]]; then echo "$PWD/$out"; exit 0; fi

cmds=(etcd kube-apiserver kubectl kube-controller-manager kube-scheduler kwok kstatus)

# The stamp names the pins and the sources of the wrappers; anything else changing means rebuild.
stamp_content="k8s=${k8s_version} etcd=${etcd_version} go=$(go env GOVERSION) cmds=${cmds[*]} src=$(cat go.mod go.sum cmd/*/main.go build.sh | sha256sum | cut -c1-16)"
stamp="$out/.stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_content" ]]; then
  all=1; for c in "${cmds[@]}"; do [[ -x "$out/$c" ]] || all=0; done
  if [[ $all == 1 ]]; then echo "it/cluster: $out is up to date ($k8s_version, etcd $etcd_version)"; exit 0; fi
fi

echo "it/cluster: building ${cmds[*]} (kubernetes $k8s_version, etcd $etcd_version) into $out"
mkdir -p "$out"
rm -f "$stamp"
# Version stamping as upstream's hack/lib/version.sh does, so `kubectl version` and /version say
# the real release instead of v0.0.0-master.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=${k8s_version} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done
pkgs=(); for c in "${cmds[@]}"; do pkgs+=("./cmd/$c"); done
# nice: the machine is small and shared; the build yields to everything else.
# One `go build` for all commands, so their shared packages are compiled once.
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 \
  nice -n 15 go build -buildvcs=false -trimpath -ldflags "$ldflags" -o "$out/" "${pkgs[@]}"
for c in "${cmds[@]}"; do [[ -x "$out/$c" ]] || { echo "missing $out/$c" >&2; exit 1; }; done
echo "$stamp_content" > "$stamp"
"$out/kubectl" version --client 2>/dev/null | head -1 || true
echo "it/cluster: done"
