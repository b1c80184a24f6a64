/** The `drives.yaml` init config (reference §1.5): its types and conversions. */
import type { DirectPVNode, InitDevice, NodeDevice } from "../types/mod.ts";

/** The only init config version there is. */
export const INIT_CONFIG_VERSION = "v1";
/** The `select` value, compared lower-cased, that marks a drive for initialization. */
export const DRIVE_SELECTED = "yes";
/** The `force` value, compared lower-cased, that lets init erase data of no known format. */
export const DRIVE_FORCED = "yes";

/** One drive of a node, as `discover` lists it. */
export interface InitConfigDrive {
  /** Device id `<major>:<minor>$<base64 sha256>`. */
  id: string;
  /** Kernel device name without `/dev/`. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Make and model; may be empty. */
  make: string;
  /**
   * What discovery found on the device (blkid's TYPE, else its PTTYPE); when present, init
   * formats with force, as DirectPV does.
   */
  fs?: string;
  /** `yes` (any case) to initialize the drive; anything else leaves it alone. */
  select?: string;
  /**
   * Ours, optional: `yes` (any case) lets init erase the drive even though it holds data of no
   * known format. `discover` writes `no` on such drives (and does not select them).
   */
  force?: string;
}

/** One node and its available drives; `drives` is absent when the node has none. */
export interface InitConfigNode {
  name: string;
  drives?: InitConfigDrive[];
}

/** A whole `drives.yaml`. */
export interface InitConfig {
  version: typeof INIT_CONFIG_VERSION;
  nodes: InitConfigNode[];
}

/** The devices to initialize on one node. */
export interface NodeInitDevices {
  node: string;
  devices: InitDevice[];
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The drive entry of an available device. */
function toDrive(device: NodeDevice): InitConfigDrive {
  const fs = device.fsType || device.partTableType;
  return {
    id: device.id,
    name: device.name,
    size: device.size,
    make: device.make ?? "",
    ...(fs ? { fs } : {}),
    ...(device.unknownData ? { select: "no", force: "no" } : { select: DRIVE_SELECTED }),
  };
}

/**
 * Builds the init config `discover` writes: every node, sorted by name, with its available
 * (not denied) devices sorted by name and selected, except those holding data of no known
 * format, which are listed unselected with `force: "no"`. A node without an available device
 * is listed without `drives`.
 *
 * @example toInitConfig([node]).nodes[0]?.drives?.[0]?.select === "yes"
 */
export function toInitConfig(nodes: readonly DirectPVNode[]): InitConfig {
  const out: InitConfigNode[] = nodes.map((node) => {
    const drives = node.status.devices
      .filter((device) => !device.deniedReason)
      .map(toDrive)
      .sort(byName);
    const name = node.metadata.name ?? "";
    return drives.length > 0 ? { name, drives } : { name };
  });
  return { version: INIT_CONFIG_VERSION, nodes: out.sort(byName) };
}

/** Whether a drive entry is selected for initialization (`select`, lower-cased, is `yes`). */
export function isSelected(drive: InitConfigDrive): boolean {
  return (drive.select ?? "").toLowerCase() === DRIVE_SELECTED;
}

/** Whether a drive entry lets init erase data of no known format (`force`, lower-cased, is `yes`). */
export function isForced(drive: InitConfigDrive): boolean {
  return (drive.force ?? "").toLowerCase() === DRIVE_FORCED;
}

/**
 * The devices `init` formats, per node: the selected drives as `{id, name, force}` where
 * force is set when the drive holds something (`fs`) or is forced (`force: "yes"`). Nodes with
 * nothing selected are left out.
 */
export function selectedDevices(config: InitConfig): NodeInitDevices[] {
  const out: NodeInitDevices[] = [];
  for (const node of config.nodes) {
    const devices = (node.drives ?? [])
      .filter(isSelected)
      .map((drive): InitDevice => ({
        id: drive.id,
        name: drive.name,
        force: !!drive.fs || isForced(drive),
      }));
    if (devices.length > 0) out.push({ node: node.name, devices });
  }
  return out;
}
