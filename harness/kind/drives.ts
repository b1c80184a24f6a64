/**
 * The loop devices `kind.sh` attached (its `loops.tsv` state file), and the check that a
 * `drives.yaml` selects only those devices before `init --dangerous` formats them.
 *
 * kind workers share the Docker host's kernel and `/dev`, so the node server could see the
 * host's own disks and loop devices; the DaemonSet's `--loop-backing-dir` hides them, and this
 * check makes sure nothing else slipped into the init config.
 */
import { type InitConfig, isSelected } from "../../lib/init_config/mod.ts";

/** One loop device attached inside a worker node container. */
export interface LoopRecord {
  /** Worker node (container and Kubernetes node name). */
  node: string;
  /** `/dev/loopN`. */
  device: string;
  /** The loop device's `major:minor`. */
  majorMinor: string;
  /** Backing file, as the node container sees it. */
  file: string;
  /** Inode of the backing file. */
  backingInode: string;
  /** `major:minor` of the filesystem that holds the backing file. */
  backingMajorMinor: string;
}

const FIELDS = 6;

/**
 * Parses `loops.tsv`: one record per line, tab-separated in {@link LoopRecord} field order.
 * Blank lines and `#` comments are skipped.
 *
 * @throws {SyntaxError} naming the line of a malformed record
 */
export function parseLoopRecords(text: string): LoopRecord[] {
  const records: LoopRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const f = line.split("\t");
    if (f.length !== FIELDS || f.some((v) => v === "")) {
      throw new SyntaxError(`Cannot read loop record on line ${i + 1}: expected ${FIELDS} fields`);
    }
    const [node, device, majorMinor, file, backingInode, backingMajorMinor] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    records.push({ node, device, majorMinor, file, backingInode, backingMajorMinor });
  });
  return records;
}

/** What {@link checkInitConfig} found. */
export interface DriveCheck {
  /** Selected drives that are not recorded loop devices (`node/name (id)`). */
  foreign: string[];
  /** Recorded loop devices that the init config does not select (`node/name`). */
  missing: string[];
}

function isOurs(records: readonly LoopRecord[], node: string, name: string, id: string): boolean {
  return records.some((r) =>
    r.node === node && r.device === `/dev/${name}` && id.startsWith(`${r.majorMinor}$`)
  );
}

/**
 * Compares the drives an init config selects with the recorded loop devices. A drive is ours
 * when its node, its name and the `major:minor` of its id all match one record.
 */
export function checkInitConfig(config: InitConfig, records: readonly LoopRecord[]): DriveCheck {
  const foreign: string[] = [];
  const selected = new Set<string>();
  for (const node of config.nodes) {
    for (const drive of node.drives ?? []) {
      if (!isSelected(drive)) continue;
      selected.add(`${node.name}/${drive.name}`);
      if (!isOurs(records, node.name, drive.name, drive.id)) {
        foreign.push(`${node.name}/${drive.name} (${drive.id})`);
      }
    }
  }
  const missing = records.map((r) => `${r.node}/${r.device.replace(/^\/dev\//, "")}`).filter((
    d,
  ) => !selected.has(d));
  return { foreign, missing };
}
