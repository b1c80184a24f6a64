# shellcheck shell=bash
# The `test` steps of harness/kind/kind.sh (sourced; uses its globals and helpers): discover and
# init the loop drives, then a busybox pod writes and reads a file on a DirectPV volume.
# shellcheck disable=SC2154 # globals of kind.sh

join_by() {
  local IFS=$1
  shift
  echo "$*"
}

ready_drive_count() { # ready_drive_count NODES DRIVES
  { cli --quiet list drives --nodes "$1" --drives "$2" --status ready --no-headers 2>/dev/null ||
    true; } | grep -c '^│' || true
}

has_ready_drives() { [[ "$(ready_drive_count "$1" "$2")" -ge "$3" ]]; }

init_drives() {
  local nodes=$1 drives=$2 expected=$3 yaml=$STATE_DIR/drives.yaml
  if has_ready_drives "$nodes" "$drives" "$expected"; then
    say "The $expected loop drives are initialized already"
    return
  fi
  say "Discovering drives on $nodes"
  rm -f "$yaml"
  if cli discover --nodes "$nodes" --drives "$drives" --output-file "$yaml"; then
    deno_run --allow-read --allow-env "$HERE/main.ts" check-drives "$yaml" "$LOOPS" ||
      die "Not initializing: $yaml selects drives this harness did not attach"
    say "Initializing the loop drives"
    cli init "$yaml" --dangerous
  fi
  wait_for 120 "$expected loop drives Ready" has_ready_drives "$nodes" "$drives" "$expected" ||
    die "Fewer than $expected loop drives are Ready"
}

volume_gone() { ! kc get directpvvolumes.directpv.min.io "$1" >/dev/null 2>&1; }

run_workload() {
  local pod=writer pvc=data token got fstype pv node
  token="directpv-kind-$(date +%s)-$$"
  kc delete namespace "$TEST_NS" --ignore-not-found --wait=true --timeout=5m >/dev/null
  say "Creating PVC $TEST_NS/$pvc (64Mi, directpv-min-io) and pod $TEST_NS/$pod ($BUSYBOX_IMAGE)"
  kc_apply >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $TEST_NS
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $pvc
  namespace: $TEST_NS
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: directpv-min-io
  resources:
    requests:
      storage: 64Mi
---
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  namespace: $TEST_NS
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: writer
      image: $BUSYBOX_IMAGE
      command: ["sh", "-c", "echo $token > /data/hello.txt && sync && exec sleep 3600"]
      volumeMounts:
        - name: data
          mountPath: /data
  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: $pvc
EOF
  if ! kc -n "$TEST_NS" wait --for=condition=Ready "pod/$pod" --timeout=5m >/dev/null; then
    kc -n "$TEST_NS" describe pod "$pod" >&2 || true
    kc -n "$TEST_NS" describe pvc "$pvc" >&2 || true
    diagnose
    die "Pod $TEST_NS/$pod did not become Ready"
  fi
  got=$(kc -n "$TEST_NS" exec "$pod" -- cat /data/hello.txt)
  [[ "$got" == "$token" ]] || die "Read \"$got\" from /data/hello.txt, expected \"$token\""
  # shellcheck disable=SC2016 # awk's $2/$3, not the shell's
  fstype=$(kc -n "$TEST_NS" exec "$pod" -- awk '$2 == "/data" { print $3 }' /proc/mounts)
  [[ "$fstype" == xfs ]] || die "/data in the pod is \"$fstype\", not an XFS DirectPV volume"
  pv=$(kc -n "$TEST_NS" get pvc "$pvc" -o jsonpath='{.spec.volumeName}')
  node=$(kc -n "$TEST_NS" get pod "$pod" -o jsonpath='{.spec.nodeName}')
  say "Pod on $node wrote and read back /data/hello.txt on volume $pv (xfs)"
  cli list volumes --all --pvc || true
  say "Deleting the pod and the PVC"
  kc -n "$TEST_NS" delete pod "$pod" --wait=true --timeout=2m >/dev/null
  kc -n "$TEST_NS" delete pvc "$pvc" --wait=true --timeout=2m >/dev/null
  if ! kc wait --for=delete "pv/$pv" --timeout=3m >/dev/null 2>&1 &&
    kc get pv "$pv" >/dev/null 2>&1; then
    die "PersistentVolume $pv was not deleted"
  fi
  wait_for 120 "DirectPVVolume $pv deleted" volume_gone "$pv" ||
    die "DirectPVVolume $pv was not deleted"
  kc delete namespace "$TEST_NS" --wait=false >/dev/null
}
