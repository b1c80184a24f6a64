# shellcheck shell=bash
# Loop-device drives inside the kind workers, for harness/kind/kind.sh (sourced; uses its
# globals: LOOP_ROOT, LOOPS, DRIVES_PER_WORKER, DRIVE_SIZE, KIND_NODE_IMAGE, WORKER_NODES).
#
# loops.tsv has one line per attached device: node, /dev/loopN, its major:minor, the backing
# file (as the node sees it), the backing file's inode and the major:minor of its filesystem.
# A device is detached either inside its running worker, where losetup finds it by its backing
# file in that worker's directory, or from the host when all of these still match; never by its
# name alone.
# shellcheck disable=SC2154 # globals of kind.sh

node_exec() { # node_exec NODE CMD...
  local node=$1
  shift
  docker exec "$node" "$@"
}

trim() { sed 's/^[[:space:]]*//;s/[[:space:]]*$//'; }

# loop_column NODE DEVICE COLUMN: one losetup column of an attached loop device ("" if free).
loop_column() { node_exec "$1" losetup --list --noheadings --output "$3" "$2" 2>/dev/null | trim; }

# attached_to NODE FILE: the loop devices attached to FILE inside NODE, one a line.
attached_to() {
  node_exec "$1" losetup --list --noheadings --output NAME --associated "$2" 2>/dev/null | trim
}

# record_loop NODE DEVICE FILE: writes the device's identity to loops.tsv (replacing FILE's line).
record_loop() {
  local node=$1 dev=$2 file=$3 mm ino bmm
  mm=$(loop_column "$node" "$dev" MAJ:MIN)
  ino=$(loop_column "$node" "$dev" BACK-INO)
  bmm=$(loop_column "$node" "$dev" BACK-MAJ:MIN)
  [[ -n "$mm" && -n "$ino" && -n "$bmm" ]] || die "Cannot read the identity of $dev in $node"
  touch "$LOOPS"
  awk -F'\t' -v n="$node" -v f="$file" '!($1 == n && $4 == f)' "$LOOPS" >"$LOOPS.tmp"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$node" "$dev" "$mm" "$file" "$ino" "$bmm" >>"$LOOPS.tmp"
  mv "$LOOPS.tmp" "$LOOPS"
}

attach_loops() {
  local node dir file dev i
  for node in "${WORKER_NODES[@]}"; do
    node_exec "$node" test -e /dev/loop-control ||
      die "Worker $node has no /dev/loop-control: load the loop module on the Docker host (sudo modprobe loop)"
    dir=$LOOP_ROOT/$node
    node_exec "$node" mkdir -p "$dir"
    for ((i = 1; i <= DRIVES_PER_WORKER; i++)); do
      file=$dir/disk-$i.img
      dev=$(attached_to "$node" "$file" | head -n1)
      if [[ -n "$dev" ]]; then
        say "$node: $dev is attached to $file already"
      else
        node_exec "$node" rm -f "$file"
        node_exec "$node" truncate --size "$DRIVE_SIZE" "$file"
        dev=$(node_exec "$node" losetup --find --show "$file") ||
          die "Cannot attach a loop device to $file in $node"
        say "$node: attached $dev to $file ($DRIVE_SIZE, sparse)"
      fi
      record_loop "$node" "$dev" "$file"
    done
  done
}

# detach_in_nodes: in every running worker, detaches the loop devices attached to its files
# under $LOOP_ROOT/<node> (recorded or not). Busy devices are detached when last closed.
detach_in_nodes() {
  local node file dev
  for node in "${WORKER_NODES[@]}"; do
    while IFS= read -r file; do
      [[ -n "$file" ]] || continue
      while IFS= read -r dev; do
        [[ -n "$dev" ]] || continue
        if node_exec "$node" losetup --detach "$dev"; then
          say "$node: detached $dev ($file)"
        else
          say "Warning: $node: cannot detach $dev ($file)"
        fi
      done < <(attached_to "$node" "$file")
    done < <(node_exec "$node" find "$LOOP_ROOT/$node" -maxdepth 1 -name '*.img' 2>/dev/null || true)
  done
}

# host_losetup ARGS...: losetup on the Docker host's kernel, from a throwaway privileged
# container (works whether or not this user is root, and with Docker in a VM).
host_losetup() {
  docker run --rm --privileged --volume /dev:/dev --entrypoint losetup "$KIND_NODE_IMAGE" "$@"
}

# leftover_loops: recorded loop devices still attached to the file they were recorded with,
# matched by backing inode, backing device and path (never by device name alone).
leftover_loops() {
  [[ -s "$LOOPS" ]] || return 0
  local listing
  listing=$(host_losetup --list --noheadings --output NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE) || return 0
  # loops.tsv: node, device, major:minor, file, backing inode, backing major:minor. The backing
  # file reads as ".../directpv-kind/<node>/<file>", with " (deleted)" once the node is gone.
  awk -v loops="$LOOPS" '
    BEGIN {
      while ((getline line < loops) > 0) {
        split(line, f, "\t")
        base = f[4]
        sub(/.*\//, "", base)
        id[f[2]] = f[5] " " f[6]
        path[f[2]] = "/directpv-kind/" f[1] "/" base
      }
    }
    ($1 in id) && ($2 " " $3) == id[$1] && index($0, path[$1]) > 0 { print $1 }
  ' <<<"$listing"
}

detach_leftovers() {
  local round dev left=()
  for round in 1 2 3; do
    mapfile -t left < <(leftover_loops)
    [[ ${#left[@]} -gt 0 ]] || return 0
    [[ $round -gt 1 ]] || say "Detaching recorded loop devices still attached: ${left[*]}"
    for dev in "${left[@]}"; do host_losetup --detach "$dev" || true; done
    sleep 2
  done
  mapfile -t left < <(leftover_loops)
  [[ ${#left[@]} -eq 0 ]] && return 0
  say "Still attached: ${left[*]}; detach them with: sudo losetup --detach ${left[*]}"
  return 1
}
