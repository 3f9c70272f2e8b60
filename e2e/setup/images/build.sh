#!/usr/bin/env bash
# Builds Berth's images with buildah from proxy/Dockerfile and operator/Dockerfile, on the local bases base.sh
# makes (no registry to pull from), and optionally pushes them with skopeo.
#   build.sh [--tag TAG] [--push REGISTRY] [--insecure] [--only proxy|operator]
#     --tag TAG          default: the version of proxy/package.json (= operator's = the chart's appVersion)
#     --push REGISTRY    a registry and optional path, e.g. registry.example.com/platform: pushes
#                        REGISTRY/berth-{proxy,operator}:TAG (the chart's operator.image.repository and
#                        proxy.image.repository); plain http for a loopback registry, --insecure for another one
# Without --push the images stay in buildah's storage as localhost/berth-dev/berth-{proxy,operator}:TAG.
# Prints one line per image on stdout: `<name> <reference> <image id or pushed digest>`.
# Reproducible: file times and history are SOURCE_DATE_EPOCH (default: the time of the last commit), no identity
# label; `--layers` keeps buildah's layer cache between runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
log() { echo "[images] $*" >&2; }

tag="" push="" insecure=false only=(proxy operator)
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=${2:?--tag TAG}; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    --push) push=${2:?--push REGISTRY}; shift 2 ;;
    --push=*) push=${1#*=}; shift ;;
    --insecure) insecure=true; shift ;;
    --only) only=("${2:?--only proxy|operator}"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) log "unknown argument: $1"; exit 2 ;;
  esac
done

version_of() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/$1/package.json"; }
[ -n "$tag" ] || tag=$(version_of proxy)
app_version=$(sed -n 's/^appVersion: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/berth/Chart.yaml)
[ "$(version_of proxy)" = "$(version_of operator)" ] && [ "$(version_of proxy)" = "$app_version" ] ||
  log "warning: proxy $(version_of proxy), operator $(version_of operator), chart appVersion $app_version differ"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
bases=$("$root/e2e/setup/images/base.sh")
build_base=$(sed -n 's/^BUILD_BASE=//p' <<<"$bases")
runtime_base=$(sed -n 's/^RUNTIME_BASE=//p' <<<"$bases")

ca=/etc/ssl/certs/ca-certificates.crt
ca_args=()
# The host's CA bundle, for egress through a TLS-intercepting proxy: node (npm, pnpm) trusts it in the build stage.
[ -f "$ca" ] && ca_args=(-v "$ca:$ca:ro" --build-arg "NODE_EXTRA_CA_CERTS=$ca")

tls_verify=true
if [ -n "$push" ]; then
  case "${push%:*}" in 127.0.0.1|localhost|\[::1\]) tls_verify=false ;; esac
  [ "$insecure" = true ] && tls_verify=false
fi

# The commit and its time as OCI labels. (buildah's layer cache ignores --timestamp: the SOURCE_DATE_EPOCH build
# argument, used at the start of the runtime stage, keeps it from reusing layers stamped with another time.)
labels=(--label "org.opencontainers.image.created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
  --label "org.opencontainers.image.version=$tag")
rev=$(git rev-parse HEAD 2>/dev/null || true)
[ -z "$rev" ] || labels+=(--label "org.opencontainers.image.revision=$rev")

for name in "${only[@]}"; do
  ref=localhost/berth-dev/berth-$name:$tag
  log "building $ref (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  start=$SECONDS
  buildah bud --layers --timestamp "$SOURCE_DATE_EPOCH" --identity-label=false \
    --isolation "${BUILDAH_ISOLATION:-chroot}" --network host \
    --build-arg "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" --build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base" "${ca_args[@]}" "${labels[@]}" \
    -f "$name/Dockerfile" -t "$ref" . >&2
  id=$(buildah inspect --type image --format '{{.FromImageID}}' "$ref")
  log "built $ref sha256:$id in $((SECONDS - start)) s"
  if [ -z "$push" ]; then
    echo "$name $ref sha256:$id"
    continue
  fi
  dest=$push/berth-$name:$tag
  digestfile=$(mktemp)
  skopeo copy --quiet --dest-tls-verify="$tls_verify" --digestfile "$digestfile" \
    "containers-storage:$ref" "docker://$dest" >&2
  digest=$(cat "$digestfile"); rm -f "$digestfile"
  log "pushed $dest@$digest"
  echo "$name $dest $digest"
done
