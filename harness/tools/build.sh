#!/usr/bin/env bash
# Builds the pinned Kubernetes control-plane, node and CSI tools the harness runs, from the Go
# module proxy only, into a cache directory outside the repository: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet, kubectl, csi-sanity, the CSI sidecars (with
# csi-snapshotter, snapshot-controller and the VolumeSnapshot CRDs), and
# for the real node containerd (+ ctr, shim), runc, crane and a static pause binary, and helm
# for the chart's tests.
#
#   harness/tools/build.sh            build what is missing or stale, print timings
#   harness/tools/build.sh --print    print the bin directory and exit
#   harness/tools/build.sh helm krew  build only these (the chart's and release's tests)
#
# A tool is rebuilt when its binary is missing or when its pinned version (recorded in a
# stamp file next to the binary) differs from the pin below.
set -euo pipefail

# --- pins: change them together (same Kubernetes minor everywhere) ---
# The module proxy we can reach serves only some versions: csi-resizer v2.1.0 and the
# csi-provisioner v6.2.1 commit (both on k8s 0.35) are refused ("This module version is not
# available"), so the stack is on Kubernetes 1.36 with the sidecars released for it.
K8S_VERSION=1.36.3                 # kube-apiserver, kube-controller-manager, kube-scheduler,
                                   # kubelet, kubectl
ETCD_VERSION=3.6.16
CSI_SANITY_VERSION=5.4.0
CSI_RESIZER_MODULE=github.com/kubernetes-csi/external-resizer/v2
CSI_RESIZER_VERSION=v2.2.0         # built against k8s 0.36
CSI_PROVISIONER_MODULE=github.com/kubernetes-csi/external-provisioner/v6
CSI_PROVISIONER_VERSION=v6.3.0     # first /v6 release; built against k8s 1.36
# csi-snapshotter, snapshot-controller and the VolumeSnapshot CRDs (client/config/crd of the
# client module). v8.7.0 is on k8s 0.37; v8.6.0 is the last on 0.36.
CSI_SNAPSHOTTER_MODULE=github.com/kubernetes-csi/external-snapshotter/v8
CSI_SNAPSHOTTER_CLIENT_MODULE=github.com/kubernetes-csi/external-snapshotter/client/v8
CSI_SNAPSHOTTER_VERSION=v8.6.0
# The real node. Debian's runc 1.1 and crun fail with containerd 2.4; runc needs libseccomp.
CONTAINERD_VERSION=v2.4.2
RUNC_VERSION=v1.3.3
CRANE_VERSION=v0.22.1              # image tool and the loopback registry
# The Helm chart's tests: `helm template` and `helm lint` (manifests/helm).
HELM_VERSION=v3.22.0
# The release tests: krew installs the plugin from the release's manifest and archives.
KREW_VERSION=v0.4.3
KUBE_TOOLS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
PAUSE_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/node/pause.c"

# directpv-faultfs: our FUSE server that makes loop drives fail on command (harness/faultfs),
# on go-fuse at this version; rebuilt when its sources change.
GO_FUSE_VERSION=v2.12.1
FAULTFS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../faultfs" && pwd)"

# promtool: Debian's, unpacked from the prometheus package (not installed, so no service
# starts). Building github.com/prometheus/prometheus/cmd/promtool from the module proxy takes
# 5 to 9 minutes cold on two cores; the package takes seconds.
PROMETHEUS_DEB_VERSION=2.42.0+ds-5+deb12u1

CACHE="${DIRECTPV_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/directpv-tools}"
BIN="$CACHE/bin"
SRC="$CACHE/src"

if [[ "${1:-}" == "--print" ]]; then
  echo "$BIN"
  exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOPATH="${GOPATH:-$HOME/go}"
export GOCACHE="${GOCACHE:-$CACHE/go-build}"
# The checksum database is not reachable from every machine; modules come from the proxy.
export GONOSUMDB='*' GONOSUMCHECK=1 GOSUMDB=off

log() { printf '[build-tools %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

ensure_go() {
  if command -v go >/dev/null 2>&1; then return; fi
  if [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; return; fi
  log "Go toolchain not found; installing golang-go from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
}

gomod_of() { go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p'; }

# fresh NAME PIN: true when $BIN/NAME exists and was built from PIN.
fresh() { [[ -x "$BIN/$1" && "$(cat "$BIN/.$1.pin" 2>/dev/null)" == "$2" ]]; }
stamp() { echo "$2" >"$BIN/.$1.pin"; }

# timed NAME CMD...: runs CMD, prints how long it took.
timed() {
  local name=$1 start end; shift
  start=$(date +%s)
  log "building $name"
  "$@"
  end=$(date +%s)
  log "built $name in $((end - start))s"
}

wrapper() { # wrapper DIR MODULE: fresh wrapper module in DIR
  rm -rf "$1" && mkdir -p "$1" && cd "$1" && go mod init "$2" >/dev/null 2>&1
}

build_kube() {
  local stg="0.${K8S_VERSION#1.}" minor ld p kgomod gd m
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  wrapper "$SRC/kube" local.test/kubetools
  kgomod=$(gomod_of "k8s.io/kubernetes@v$K8S_VERSION")
  for m in $(sed -n 's|^\s*\(k8s.io/[a-z0-9-]*\) => \./staging/.*|\1|p' "$kgomod"); do
    go mod edit -replace="$m=$m@v$stg"
  done
  gd=$(sed -n 's/^godebug \(.*\)/\1/p' "$kgomod")
  if [[ -n "$gd" ]]; then go mod edit -godebug="$gd"; fi
  go get -tool $(printf "k8s.io/kubernetes/cmd/%s@v$K8S_VERSION " "${KUBE_TOOLS[@]}")
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  # One invocation for all of them: the shared packages compile once.
  go build -p 2 -trimpath -tags selinux,notest -ldflags "$ld" -o "$BIN/" \
    $(printf 'k8s.io/kubernetes/cmd/%s ' "${KUBE_TOOLS[@]}")
  for t in "${KUBE_TOOLS[@]}"; do stamp "$t" "$K8S_VERSION"; done
}

build_etcd() {
  wrapper "$SRC/etcd" local.test/etcd
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  stamp etcd "$ETCD_VERSION"
}

build_sanity() {
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" \
    "github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity@v$CSI_SANITY_VERSION"
  stamp csi-sanity "$CSI_SANITY_VERSION"
}

# module_wrapper NAME MODULE VERSION PKG...: a wrapper module in $SRC/NAME that requires
# MODULE explicitly, copies its replace directives and lists PKGs as tools. Naming the module
# (rather than `go install PKG@VERSION`) avoids probing PKG's parent paths as modules, which
# some proxies answer with 403 instead of 404.
module_wrapper() {
  local name=$1 module=$2 version=$3 gomod from to ver _arrow pkg
  shift 3
  wrapper "$SRC/$name" "local.test/$name"
  gomod=$(gomod_of "$module@$version")
  # A module without replace directives is fine: grep finding nothing must not end the build.
  # A replacement by a directory is skipped: a nested module is not part of the module's zip
  # (runc's copy of selinux), so the required version comes from the proxy instead.
  { grep '=>' "$gomod" || true; } | sed 's/^replace //' |
    while read -r from _arrow to ver; do
      case "$to" in
        ./* | ../*) log "$module: keeping $from from the proxy (replaced by $to upstream)" ;;
        *) go mod edit -replace="$from=$to@$ver" ;;
      esac
    done
  go mod edit -require="$module@$version"
  for pkg in "$@"; do go mod edit -tool="$pkg"; done
}

# module_tool NAME MODULE VERSION PKG: builds PKG of MODULE@VERSION into $BIN/NAME.
module_tool() {
  local name=$1 module=$2 version=$3 pkg=$4
  module_wrapper "$name" "$module" "$version" "$pkg"
  go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$BIN/$name" "$pkg"
  stamp "$name" "$version"
}

build_resizer() {
  module_tool csi-resizer "$CSI_RESIZER_MODULE" "$CSI_RESIZER_VERSION" \
    "$CSI_RESIZER_MODULE/cmd/csi-resizer"
}

build_provisioner() {
  module_tool csi-provisioner "$CSI_PROVISIONER_MODULE" "$CSI_PROVISIONER_VERSION" \
    "$CSI_PROVISIONER_MODULE/cmd/csi-provisioner"
}

# Both commands in one build (they share most packages), and the VolumeSnapshot CRDs into
# $CACHE/crds/snapshot (the ones a cluster without a snapshot controller needs).
build_snapshotter() {
  local m=$CSI_SNAPSHOTTER_MODULE dir
  module_wrapper csi-snapshotter "$m" "$CSI_SNAPSHOTTER_VERSION" \
    "$m/cmd/csi-snapshotter" "$m/cmd/snapshot-controller"
  go mod edit -require="$CSI_SNAPSHOTTER_CLIENT_MODULE@$CSI_SNAPSHOTTER_VERSION"
  go build -p 2 -trimpath -ldflags "-s -w -X main.version=$CSI_SNAPSHOTTER_VERSION" -o "$BIN/" \
    "$m/cmd/csi-snapshotter" "$m/cmd/snapshot-controller"
  dir=$(go mod download -json "$CSI_SNAPSHOTTER_CLIENT_MODULE@$CSI_SNAPSHOTTER_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  rm -rf "$CACHE/crds/snapshot" && mkdir -p "$CACHE/crds/snapshot"
  cp "$dir"/config/crd/snapshot.storage.k8s.io_*.yaml "$CACHE/crds/snapshot/"
  chmod 0644 "$CACHE"/crds/snapshot/*.yaml
  stamp csi-snapshotter "$CSI_SNAPSHOTTER_VERSION"
  stamp snapshot-controller "$CSI_SNAPSHOTTER_VERSION"
}

# The faultfs pin: go-fuse's version and a digest of our sources.
faultfs_pin() {
  echo "$GO_FUSE_VERSION-$(cat "$FAULTFS_SRC"/go.mod "$FAULTFS_SRC"/go.sum "$FAULTFS_SRC"/*.go |
    sha256sum | cut -c1-16)"
}

build_faultfs() {
  grep -q "github.com/hanwen/go-fuse/v2 $GO_FUSE_VERSION" "$FAULTFS_SRC/go.mod"
  rm -rf "$SRC/faultfs" && cp -r "$FAULTFS_SRC" "$SRC/faultfs" && cd "$SRC/faultfs"
  go build -trimpath -ldflags "-s -w" -o "$BIN/directpv-faultfs" .
  stamp directpv-faultfs "$(faultfs_pin)"
}

fetch_promtool() {
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >/dev/null 2>&1); then
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >/dev/null)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
  install -m 0755 "$tmp/root/usr/bin/promtool" "$BIN/promtool"
  rm -rf "$tmp"
  stamp promtool "$PROMETHEUS_DEB_VERSION"
}

build_containerd() {
  local m=github.com/containerd/containerd/v2 t
  module_wrapper containerd "$m" "$CONTAINERD_VERSION" \
    "$m/cmd/containerd" "$m/cmd/ctr" "$m/cmd/containerd-shim-runc-v2"
  go build -p 2 -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X $m/version.Version=$CONTAINERD_VERSION -X $m/version.Revision=module" \
    -o "$BIN/" "$m/cmd/containerd" "$m/cmd/ctr" "$m/cmd/containerd-shim-runc-v2"
  for t in containerd ctr containerd-shim-runc-v2; do stamp "$t" "$CONTAINERD_VERSION"; done
}

# runc links libseccomp (cgo): without the seccomp tag it refuses every container that has a
# seccomp profile.
build_runc() {
  ensure_debian libseccomp-dev pkg-config gcc
  module_wrapper runc github.com/opencontainers/runc "$RUNC_VERSION" github.com/opencontainers/runc
  CGO_ENABLED=1 go build -trimpath -tags seccomp \
    -ldflags "-s -w -X main.version=${RUNC_VERSION#v} -X main.gitCommit=module" \
    -o "$BIN/runc" github.com/opencontainers/runc
  stamp runc "$RUNC_VERSION"
}

build_crane() {
  local m=github.com/google/go-containerregistry
  module_wrapper crane "$m" "$CRANE_VERSION" "$m/cmd/crane"
  go build -trimpath -ldflags "-s -w -X $m/cmd/crane/cmd.Version=$CRANE_VERSION" \
    -o "$BIN/crane" "$m/cmd/crane"
  stamp crane "$CRANE_VERSION"
}

build_helm() {
  local m=helm.sh/helm/v3
  module_wrapper helm "$m" "$HELM_VERSION" "$m/cmd/helm"
  go build -p 2 -trimpath -ldflags "-s -w -X $m/internal/version.version=$HELM_VERSION" \
    -o "$BIN/helm" "$m/cmd/helm"
  stamp helm "$HELM_VERSION"
}

build_krew() {
  local m=sigs.k8s.io/krew
  module_wrapper krew "$m" "$KREW_VERSION" "$m/cmd/krew"
  go build -trimpath -ldflags "-s -w -X $m/internal/version.gitTag=$KREW_VERSION" \
    -o "$BIN/krew" "$m/cmd/krew"
  stamp krew "$KREW_VERSION"
}

# The pod sandbox's process: ours, in C, static so that the image needs nothing else.
build_pause() {
  ensure_debian gcc libc6-dev
  gcc -static -Os -s -o "$BIN/pause" "$PAUSE_SRC"
  stamp pause "$(pause_pin)"
}
pause_pin() { sha256sum "$PAUSE_SRC" | cut -c1-16; }

# ensure_debian PACKAGE...: installs the Debian packages that are not installed yet.
ensure_debian() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

all_fresh() { # all_fresh PIN NAME...
  local pin=$1 t
  shift
  for t in "$@"; do fresh "$t" "$pin" || return 1; done
}

# One build at a time per cache: concurrent runs (two checkouts, a test run and the sandbox)
# would delete each other's wrapper modules. The lock is released when this script exits.
lock_cache() {
  ensure_go
  mkdir -p "$BIN" "$SRC"
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "another build holds $CACHE/.lock; waiting"
    flock 9
  fi
  log "cache: $CACHE ($(go version))"
}

main() {
  lock_cache
  local total_start; total_start=$(date +%s)
  fresh etcd "$ETCD_VERSION" || (timed "etcd v$ETCD_VERSION" build_etcd)
  all_fresh "$K8S_VERSION" "${KUBE_TOOLS[@]}" ||
    (timed "${KUBE_TOOLS[*]} v$K8S_VERSION" build_kube)
  fresh csi-sanity "$CSI_SANITY_VERSION" || (timed "csi-sanity v$CSI_SANITY_VERSION" build_sanity)
  fresh csi-resizer "$CSI_RESIZER_VERSION" || (timed "csi-resizer $CSI_RESIZER_VERSION" build_resizer)
  fresh csi-provisioner "$CSI_PROVISIONER_VERSION" ||
    (timed "csi-provisioner $CSI_PROVISIONER_VERSION" build_provisioner)
  all_fresh "$CSI_SNAPSHOTTER_VERSION" csi-snapshotter snapshot-controller ||
    (timed "csi-snapshotter, snapshot-controller $CSI_SNAPSHOTTER_VERSION" build_snapshotter)
  fresh promtool "$PROMETHEUS_DEB_VERSION" ||
    (timed "promtool $PROMETHEUS_DEB_VERSION (Debian package)" fetch_promtool)
  fresh directpv-faultfs "$(faultfs_pin)" || (timed "directpv-faultfs (go-fuse $GO_FUSE_VERSION)" build_faultfs)
  all_fresh "$CONTAINERD_VERSION" containerd ctr containerd-shim-runc-v2 ||
    (timed "containerd, ctr, containerd-shim-runc-v2 $CONTAINERD_VERSION" build_containerd)
  fresh runc "$RUNC_VERSION" || (timed "runc $RUNC_VERSION" build_runc)
  fresh crane "$CRANE_VERSION" || (timed "crane $CRANE_VERSION" build_crane)
  fresh pause "$(pause_pin)" || (timed "pause" build_pause)
  fresh helm "$HELM_VERSION" || (timed "helm $HELM_VERSION" build_helm)
  fresh krew "$KREW_VERSION" || (timed "krew $KREW_VERSION" build_krew)
  log "all tools ready in $BIN ($(($(date +%s) - total_start))s)"
}

only() { # only TOOL...: builds just these of helm and krew
  local t
  lock_cache
  for t in "$@"; do
    case "$t" in
      helm) fresh helm "$HELM_VERSION" || (timed "helm $HELM_VERSION" build_helm) ;;
      krew) fresh krew "$KREW_VERSION" || (timed "krew $KREW_VERSION" build_krew) ;;
      *) echo "Unknown tool \"$t\"; this script builds helm or krew alone" >&2; exit 2 ;;
    esac
  done
  log "$* ready in $BIN"
}

if [[ -n "${1:-}" ]]; then
  only "$@"
  exit 0
fi
main "$@"
