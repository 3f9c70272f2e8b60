#!/usr/bin/env bash
# Builds the Go-made test tooling (control plane, etcd, kwok, helm, kubeconform, crane, versitygw, the OCI
# conformance suite) into a cache outside the work tree, keyed by version, so every later run finds them in seconds.
# Go is test tooling only: nothing here ships in Berth.
#
#   e2e/toolchain/build.sh [all|k8s|etcd|kwok|tools|s3|conformance|pause|k3s]   (default: all)
#   prints nothing but progress; the binaries' directory is `e2e/toolchain/build.sh --bin-dir`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"
cache=${BERTH_CACHE:-$HOME/.cache/berth}
bin=$cache/bin
if [ "${1:-}" = "--bin-dir" ]; then echo "$bin"; exit 0; fi
mkdir -p "$bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

log() { printf '[toolchain] %s\n' "$*" >&2; }

# stamp DIR KEY: the directory is complete when its .stamp matches KEY.
fresh() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }
seal() { echo "$2" > "$1/.stamp"; }
key_of() { cat "$@" | sha256sum | cut -c1-16; }

build_k8s() {
  local out=$bin/kubernetes-$K8S_VERSION key
  key=$(key_of "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" <(echo "with kubelet, kube-proxy"))
  fresh "$out" "$key" && return 0
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy $K8S_VERSION (cold: tens of minutes)"
  local minor; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  mkdir -p "$out"
  (cd "$here/kubernetes" && go build -o "$out/" -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
      -X k8s.io/component-base/version.gitTreeState=clean" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
      k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
  seal "$out" "$key"
}

build_etcd() {
  local out=$bin/etcd-$ETCD_VERSION key
  key=$(key_of "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/etcd/main.go")
  fresh "$out" "$key" && return 0
  log "building etcd $ETCD_VERSION (embedded server)"
  mkdir -p "$out"
  (cd "$here/etcd" && go build -ldflags "-s -w" -o "$out/berth-etcd" .)
  seal "$out" "$key"
}

# go_install NAME MODULE/CMD VERSION
go_install() {
  local out=$bin/$1-$3
  fresh "$out" "$2@$3" && return 0
  log "installing $2@$3"
  mkdir -p "$out"
  GOBIN=$out go install -ldflags "-s -w" "$2@$3"
  seal "$out" "$2@$3"
}

# The real node's sandbox image program (e2e/toolchain/pause): static, so the image needs nothing but it.
build_pause() {
  local out=$bin/pause key
  key=$(key_of "$here/pause/go.mod" "$here/pause/main.go")
  fresh "$out" "$key" && return 0
  log "building the sandbox (pause) program"
  mkdir -p "$out"
  (cd "$here/pause" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/pause" .)
  seal "$out" "$key"
}

# versitygw, a real S3-compatible server for the proxy's object-storage tests. -trimpath and -p=2: a 61 MB binary
# instead of ~90, and a build that leaves the second core to whoever shares the machine (~5 min cold).
build_s3() {
  local out=$bin/versitygw-$VERSITYGW_VERSION module=github.com/versity/versitygw/cmd/versitygw
  fresh "$out" "$module@$VERSITYGW_VERSION" && return 0
  log "installing $module@$VERSITYGW_VERSION (cold: about 5 minutes)"
  mkdir -p "$out"
  GOFLAGS="$GOFLAGS -p=2 -buildvcs=false" GOBIN=$out go install -trimpath -ldflags "-s -w" "$module@$VERSITYGW_VERSION"
  seal "$out" "$module@$VERSITYGW_VERSION"
}

build_kwok() { go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"; }

build_tools() {
  build_kwok
  go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
  go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
  go_install crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
}

# The OCI distribution-spec conformance suite, pinned by commit: a compiled `go test` binary.
build_conformance() {
  local out=$bin/oci-conformance-$CONFORMANCE_COMMIT
  fresh "$out" "$CONFORMANCE_COMMIT" && return 0
  log "building the OCI conformance suite at $CONFORMANCE_COMMIT"
  local work; work=$(mktemp -d)
  mkdir -p "$out"
  # The checksum database does not list this pseudo-version (404): skip it for this one module only.
  (cd "$work" && go mod init berth.dev/conformance >/dev/null 2>&1 &&
    GONOSUMDB=github.com/opencontainers/distribution-spec go get "github.com/opencontainers/distribution-spec/conformance@$CONFORMANCE_COMMIT" >/dev/null 2>&1 &&
    go test -c -o "$out/conformance.test" github.com/opencontainers/distribution-spec/conformance)
  rm -rf "$work"
  seal "$out" "$CONFORMANCE_COMMIT"
}

# k3s-hosts (e2e/toolchain/k3s-hosts): k3s's own agent code rendering containerd's hosts.toml tree from a
# registries.yaml, so the node agent's k3s files are checked by what k3s does with them. k3s is a big module
# (~15 min cold on 2 cores); -p=2 and nice leave room for whoever shares the machine.
build_k3s() {
  local out=$bin/k3s-hosts-$K3S_VERSION key
  key=$(key_of "$here/k3s-hosts/go.mod" "$here/k3s-hosts/go.sum" "$here/k3s-hosts/main.go")
  fresh "$out" "$key" && return 0
  log "building k3s-hosts with k3s $K3S_VERSION and wharfie $WHARFIE_VERSION (cold: about 15 minutes)"
  grep -q "github.com/rancher/wharfie $WHARFIE_VERSION\$" "$here/k3s-hosts/go.mod" ||
    { echo "e2e/toolchain/k3s-hosts/go.mod does not require wharfie $WHARFIE_VERSION" >&2; return 1; }
  mkdir -p "$out"
  (cd "$here/k3s-hosts" && GOFLAGS="$GOFLAGS -p=2" nice go build -trimpath -ldflags "-s -w" -o "$out/k3s-hosts" .)
  seal "$out" "$key"
}

case "${1:-all}" in
  all) build_etcd; build_pause; build_tools; build_s3; build_conformance; build_k8s; build_k3s ;;
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  kwok) build_kwok ;;
  tools) build_tools ;;
  s3) build_s3 ;;
  conformance) build_conformance ;;
  pause) build_pause ;;
  k3s) build_k3s ;;
  *) echo "usage: $0 [all|k8s|etcd|kwok|tools|s3|conformance|pause|k3s|--bin-dir]" >&2; exit 2 ;;
esac
