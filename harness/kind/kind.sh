#!/usr/bin/env bash
# DirectPV on a kind cluster, for machines with a Docker engine.
#
#   bash harness/kind/kind.sh up     a kind cluster (one control plane, N workers), the driver
#                                    image built from the Dockerfile and loaded into it, 2 x 1 GiB
#                                    loop drives attached inside each worker, DirectPV installed
#                                    with tools/kubectl-directpv and Ready
#   bash harness/kind/kind.sh test   discover and init the loop drives, a busybox pod writes a
#                                    file on a DirectPV volume, the file is checked, then deleted
#   bash harness/kind/kind.sh down   detach the loop devices `up` attached, delete the cluster
#
# Environment:
#   DIRECTPV_KIND_CLUSTER  cluster name (default: directpv)
#   DIRECTPV_KIND_WORKERS  worker nodes when the cluster is created (default: 2)
#   DIRECTPV_KIND_STATE    state directory (default: ~/.local/state/directpv-kind/<cluster>)
#   DIRECTPV_TOOLS_CACHE   where a missing kind is built (default: ~/.cache/directpv-tools)
#
# kind workers share the Docker host's kernel and /dev, so the node server could see the host's
# own disks and loop devices. Therefore: loop devices are attached over files in each worker's
# own /var volume (under /var/lib/directpv-kind/<node>) and recorded in loops.tsv with their
# device numbers and backing inode; the node server sees only loop devices backed by files under
# its own node's directory (--loop-backing-dir); `test` refuses a drives.yaml that selects any
# other drive; `down` detaches only loop devices whose backing file is one it created.
set -euo pipefail

# --- pins ------------------------------------------------------------------------------------
KIND_VERSION=v0.32.0
# kind v0.32.0's default node image: Kubernetes 1.36 (tag and digest as that release names them).
KIND_NODE_IMAGE="kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5"
BUSYBOX_IMAGE=busybox:1.37.0
DRIVES_PER_WORKER=2
DRIVE_SIZE=1G # truncate's G is GiB

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CLUSTER=${DIRECTPV_KIND_CLUSTER:-directpv}
WORKERS=${DIRECTPV_KIND_WORKERS:-2}
STATE_DIR=${DIRECTPV_KIND_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/directpv-kind/$CLUSTER}
TOOLS_BIN=${DIRECTPV_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/directpv-tools}/bin
LOOPS=$STATE_DIR/loops.tsv
KUBECONFIG_FILE=$STATE_DIR/kubeconfig
IMAGE_REPO=ghcr.io/directpv/directpv  # install's default registry and org
LOOP_ROOT=/var/lib/directpv-kind
LOOP_LABEL=directpv-kind/loop-drives # set on the workers by harness/kind/config.ts
HOLD_LABEL=directpv-kind/hold        # on no node: keeps the node server off until it is patched
TEST_NS=directpv-kind-test
KIND_LABEL=io.x-k8s.kind

KIND=""
DENO=""
TOUCHED=0 # set once the cluster exists, for the hint on failure
CP=""
WORKER_NODES=()

say() { printf '[kind %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# --- prerequisites -----------------------------------------------------------------------------

require_docker() {
  [[ "$(uname -s)" == Linux ]] ||
    die "kind.sh needs a Linux Docker host: the workers bind-mount the host's /dev for loop devices"
  command -v docker >/dev/null 2>&1 ||
    die "Docker is missing: there is no \"docker\" command. kind needs a Docker engine; without one, use the local sandbox: bash harness/sandbox.sh up"
  local err
  if ! err=$(docker info 2>&1 >/dev/null); then
    err=$(printf '%s\n' "$err" | grep -v '^\s*$' | tail -n1)
    die "No Docker daemon: \"docker info\" failed (${err:-no details}). Start Docker, or use the local sandbox without it: bash harness/sandbox.sh up"
  fi
}

kind_version() { "$1" version 2>/dev/null | awk '{print $2}'; }

# ensure_kind: the pinned kind from the tools cache or PATH, else built with `go install`.
ensure_kind() {
  local bin
  for bin in "$TOOLS_BIN/kind" "$(command -v kind 2>/dev/null || true)"; do
    if [[ -n "$bin" && -x "$bin" && "$(kind_version "$bin")" == "$KIND_VERSION" ]]; then
      KIND=$bin
      return
    fi
  done
  local go
  go=$(command -v go 2>/dev/null || true)
  [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  if [[ -n "$go" ]]; then
    say "Building kind $KIND_VERSION into $TOOLS_BIN (go install from the Go module proxy)"
    mkdir -p "$TOOLS_BIN"
    GOBIN="$TOOLS_BIN" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="" \
      "$go" install "sigs.k8s.io/kind@$KIND_VERSION" ||
      die "Cannot build kind $KIND_VERSION with $go (set GOSUMDB=off if sum.golang.org is unreachable)"
    KIND=$TOOLS_BIN/kind
    return
  fi
  bin=$(command -v kind 2>/dev/null || true)
  [[ -n "$bin" ]] ||
    die "kind is missing and there is no Go toolchain to build it: install kind $KIND_VERSION (https://kind.sigs.k8s.io) or Go"
  say "Warning: using $bin ($(kind_version "$bin")); this harness is tested with kind $KIND_VERSION"
  KIND=$bin
}

ensure_deno() {
  DENO=$("$REPO/tools/ensure_deno.sh") || die "Cannot install Deno (tools/ensure_deno.sh failed)"
  export DIRECTPV_DENO=$DENO NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
  local out
  out=$(cd "$REPO" && "$DENO" install --frozen 2>&1) || {
    printf '%s\n' "$out" >&2
    die "Cannot fetch the Deno dependencies (deno install --frozen)"
  }
}

deno_run() { "$DENO" run --quiet --frozen --config "$REPO/deno.json" "$@"; }

# cli ARGS...: the DirectPV CLI of this checkout against the kind cluster.
cli() { "$REPO/tools/kubectl-directpv" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# --- cluster -------------------------------------------------------------------------------------

kind_containers() { # kind_containers ROLE: running node containers of this cluster
  docker ps --filter "label=$KIND_LABEL.cluster=$CLUSTER" --filter "label=$KIND_LABEL.role=$1" \
    --format '{{.Names}}' | sort
}

load_nodes() {
  CP=$(kind_containers control-plane | head -n1)
  mapfile -t WORKER_NODES < <(kind_containers worker)
  [[ -n "$CP" ]] || die "Kind cluster \"$CLUSTER\" is not running: run bash harness/kind/kind.sh up"
  [[ ${#WORKER_NODES[@]} -gt 0 ]] || die "Kind cluster \"$CLUSTER\" has no running worker"
}

# kc ARGS...: kubectl inside the control-plane node (no kubectl needed on this machine).
kc() { docker exec "$CP" kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }
kc_apply() { docker exec -i "$CP" kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f -; }

cluster_exists() { "$KIND" get clusters 2>/dev/null | grep -qxF "$CLUSTER"; }

# A worker made by this harness has the host's /dev mounted.
has_dev_mount() {
  [[ "$(docker inspect --format '{{range .Mounts}}{{if eq .Destination "/dev"}}yes{{end}}{{end}}' "$1")" == yes ]]
}

create_cluster() {
  mkdir -p "$STATE_DIR"
  if cluster_exists; then
    say "Kind cluster \"$CLUSTER\" exists; reusing it"
  else
    local config=$STATE_DIR/kind-config.yaml
    deno_run "$HERE/main.ts" config --name "$CLUSTER" --workers "$WORKERS" \
      --image "$KIND_NODE_IMAGE" >"$config"
    say "Creating kind cluster \"$CLUSTER\": 1 control plane, $WORKERS worker(s), $KIND_NODE_IMAGE"
    "$KIND" create cluster --name "$CLUSTER" --config "$config" \
      --kubeconfig "$KUBECONFIG_FILE" --wait 5m
  fi
  (umask 077 && "$KIND" get kubeconfig --name "$CLUSTER" >"$KUBECONFIG_FILE.tmp")
  mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
  load_nodes
  local node
  for node in "${WORKER_NODES[@]}"; do
    has_dev_mount "$node" ||
      die "Worker $node has no /dev mount, so it was not made by this harness: pick another DIRECTPV_KIND_CLUSTER"
  done
  touch "$STATE_DIR/created-by-kind.sh"
  TOUCHED=1
  if [[ ${#WORKER_NODES[@]} -ne $WORKERS ]]; then
    say "Warning: the cluster has ${#WORKER_NODES[@]} worker(s), not $WORKERS; run down first to change it"
  fi
  kc wait --for=condition=Ready node --all --timeout=5m >/dev/null ||
    die "The kind nodes did not become Ready"
}

# --- driver image ----------------------------------------------------------------------------

build_and_load_image() {
  local id tag
  say "Building $IMAGE_REPO from $REPO/Dockerfile"
  docker build --tag "$IMAGE_REPO:kind-build" "$REPO" || die "docker build of the driver image failed"
  id=$(docker image inspect --format '{{.Id}}' "$IMAGE_REPO:kind-build")
  id=${id#sha256:}
  tag=kind-${id:0:12}
  docker tag "$IMAGE_REPO:kind-build" "$IMAGE_REPO:$tag"
  echo "$tag" >"$STATE_DIR/image-tag"
  say "Loading $IMAGE_REPO:$tag into the kind nodes"
  if ! "$KIND" load docker-image --name "$CLUSTER" "$IMAGE_REPO:$tag"; then
    say "kind load docker-image failed; trying an image archive"
    docker save --output "$STATE_DIR/image.tar" "$IMAGE_REPO:$tag"
    "$KIND" load image-archive --name "$CLUSTER" "$STATE_DIR/image.tar"
    rm -f "$STATE_DIR/image.tar"
  fi
}

# --- loop drives and the test workload ----------------------------------------------------

# shellcheck source=SCRIPTDIR/loops.sh
source "$HERE/loops.sh"
# shellcheck source=SCRIPTDIR/workload.sh
source "$HERE/workload.sh"

# --- DirectPV --------------------------------------------------------------------------------

# patch_node_server: the node server and node controller see only the loop devices backed by
# files of their own node, and run on the workers that carry loop drives.
patch_node_server() {
  local containers name args i=0 server=0 ops=()
  local arg="--loop-backing-dir=$LOOP_ROOT/\$(KUBE_NODE_NAME)"
  containers=$(kc -n directpv get daemonset node-server \
    -o jsonpath='{range .spec.template.spec.containers[*]}{.name}{"\t"}{.args}{"\n"}{end}')
  while IFS=$'\t' read -r name args; do
    if [[ "$name" == node-server || "$name" == node-controller ]]; then
      ops+=("{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/$i/name\",\"value\":\"$name\"}")
      if [[ "$args" != *--loop-backing-dir=* ]]; then
        ops+=("{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/$i/args/-\",\"value\":\"$arg\"}")
      fi
      if [[ "$name" == node-server ]]; then server=1; fi
    fi
    i=$((i + 1))
  done <<<"$containers"
  # node-controller is its own container only with --separate-node-controller.
  [[ $server -eq 1 ]] || die "The node-server DaemonSet lacks the node-server container"
  ops+=("{\"op\":\"replace\",\"path\":\"/spec/template/spec/nodeSelector\",\"value\":{\"$LOOP_LABEL\":\"true\"}}")
  kc -n directpv patch daemonset node-server --type=json -p "[$(IFS=,; echo "${ops[*]}")]" >/dev/null
  say "Node server limited to loop devices under $LOOP_ROOT/<node> on nodes labelled $LOOP_LABEL"
}

diagnose() {
  say "Diagnostics:"
  kc -n directpv get pods -o wide >&2 || true
  kc -n directpv get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 >&2 || true
}

# wait_for SECONDS WHAT CMD...: runs CMD every 2 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 2
  done
  say "$what: done"
}

install_directpv() {
  local tag
  tag=$(cat "$STATE_DIR/image-tag")
  say "Installing DirectPV with the CLI (image $IMAGE_REPO:$tag)"
  cli install --image "directpv:$tag" --allow-loop-devices --quota=best-effort \
    --node-selector "$HOLD_LABEL=true"
  patch_node_server
  say "Waiting for the node servers and the controller (the readiness probes start after 60 s)"
  if ! kc -n directpv rollout status daemonset/node-server --timeout=10m >&2 ||
    ! kc -n directpv rollout status deployment/controller --timeout=10m >&2; then
    diagnose
    die "DirectPV did not become Ready"
  fi
  local ready
  ready=$(kc -n directpv get daemonset node-server -o jsonpath='{.status.numberReady}')
  [[ "$ready" == "${#WORKER_NODES[@]}" ]] ||
    die "${ready:-0} node server(s) Ready, expected ${#WORKER_NODES[@]}"
  wait_for 120 "DirectPV reports ready" cli --quiet info || die "\"kubectl directpv info\" fails"
  cli info
}

# --- verbs -----------------------------------------------------------------------------------

up() {
  [[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || {
    say "DIRECTPV_KIND_WORKERS must be a whole number >= 1, not \"$WORKERS\""
    exit 2
  }
  require_docker
  ensure_kind
  ensure_deno
  create_cluster
  build_and_load_image
  attach_loops
  install_directpv
  say "DirectPV is up on kind cluster \"$CLUSTER\" (${#WORKER_NODES[@]} workers x $DRIVES_PER_WORKER loop drives)"
  say "kubeconfig: $KUBECONFIG_FILE"
  say "Next: bash harness/kind/kind.sh test; remove everything with: bash harness/kind/kind.sh down"
}

run_test() {
  require_docker
  [[ -f "$KUBECONFIG_FILE" && -s "$LOOPS" ]] ||
    die "No kind cluster recorded in $STATE_DIR: run bash harness/kind/kind.sh up first"
  ensure_deno
  load_nodes
  TOUCHED=1
  local nodes drives expected
  nodes=$(join_by , "${WORKER_NODES[@]}")
  drives=$(awk -F'\t' -v nodes=",$nodes," 'index(nodes, "," $1 ",") { sub(/^\/dev\//, "", $2); print $2 }' \
    "$LOOPS" | sort -u | paste -sd, -)
  expected=$(awk -F'\t' -v nodes=",$nodes," 'index(nodes, "," $1 ",")' "$LOOPS" | wc -l)
  expected=$((expected))
  [[ $expected -gt 0 ]] || die "No loop drive is recorded for $nodes: run bash harness/kind/kind.sh up"
  init_drives "$nodes" "$drives" "$expected"
  cli list drives --nodes "$nodes"
  run_workload
  cli list drives --nodes "$nodes"
  cli list volumes --all || true
  say "Test passed: drives initialized, a pod wrote and read a file on a DirectPV volume, the volume was deleted"
}

down() {
  require_docker
  if [[ ! -e "$STATE_DIR/created-by-kind.sh" ]]; then
    say "Nothing recorded in $STATE_DIR; nothing to do (this harness deletes only clusters it created)"
    return 0
  fi
  ensure_kind
  if cluster_exists; then
    CP=$(kind_containers control-plane | head -n1)
    mapfile -t WORKER_NODES < <(kind_containers worker)
    detach_in_nodes
    say "Deleting kind cluster \"$CLUSTER\""
    "$KIND" delete cluster --name "$CLUSTER" --kubeconfig "$KUBECONFIG_FILE"
  else
    say "Kind cluster \"$CLUSTER\" does not exist"
  fi
  if ! detach_leftovers; then
    say "State kept in $STATE_DIR; run down again after detaching"
    return 1
  fi
  rm -rf "$STATE_DIR"
  say "Down: cluster deleted, loop devices detached, $STATE_DIR removed"
}

on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && $TOUCHED -eq 1 && "${VERB:-}" != down ]]; then
    say "Failed; the cluster is kept for inspection (KUBECONFIG=$KUBECONFIG_FILE)."
    say "Remove everything with: bash harness/kind/kind.sh down"
  fi
}

main() {
  VERB=${1:-}
  case "$VERB" in
    up | test | down) trap on_exit EXIT ;;
  esac
  case "$VERB" in
    up) up ;;
    test) run_test ;;
    down) down ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
