#!/usr/bin/env bash
# Installs the Debian packages the tests use, only when one is missing (apt-get update runs at most once).
#   docker-registry: upstream registries (distribution 2.8) and the distribution peer in bench/
#   skopeo, umoci:   build and copy test images;  containerd: a real node runtime (ctr --hosts-dir)
#   redis-server:    shared index between proxy replicas;  nginx-light, wrk: bench/
#   openssl:         certificates of the local control plane
#   buildah, mmdebstrap: Berth's own images, on a base made here from Debian's archive (./dev images)
#   containernetworking-plugins, iptables, conntrack: the real node's pod network and kube-proxy
#   lua5.1:          runs the Argo CD health check in examples/gitops (Argo CD's gopher-lua is a Lua 5.1)
#   libjemalloc2:    the allocator the proxy image runs with, so bench/ and the soak run the proxy with it too
set -euo pipefail
pkgs=(docker-registry skopeo umoci containerd redis-server nginx-light wrk openssl iproute2 procps
  buildah mmdebstrap containernetworking-plugins iptables conntrack runc busybox-static lua5.1 libjemalloc2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "[setup] apt-get install ${missing[*]}" >&2
sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
$sudo_ apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# The packages start system services we do not use: tests run their own instances on free loopback ports.
for s in docker-registry redis-server nginx containerd; do
  $sudo_ systemctl disable --now "$s" >/dev/null 2>&1 || $sudo_ service "$s" stop >/dev/null 2>&1 || true
done
