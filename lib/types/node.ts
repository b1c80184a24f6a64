/** DirectPVNode (reference §2.3): the devices a node reported at its last refresh. */
import type { Condition, KubeObject } from "./meta.ts";
import { API_VERSION, KINDS, VERSION } from "./consts.ts";
import { CREATED_BY, LABELS, toLabelValue } from "./labels.ts";

export interface NodeDevice {
  name: string;
  id: string;
  majorMinor: string;
  size: number;
  make?: string;
  /** blkid's TYPE: a filesystem, RAID member, volume, cache or encryption signature. */
  fsType?: string;
  fsuuid?: string;
  deniedReason?: string;
  /** blkid's PTTYPE (`gpt`, `dos`...). Ours: DirectPV does not report it. */
  partTableType?: string;
  /**
   * Set when the device holds data of no single known signature (see `UNRECOGNISED_DATA`,
   * `ambivalentData`): init erases it only when the drive is forced. Ours: DirectPV does not
   * report it.
   */
  unknownData?: string;
}

/** `unknownData` of a device with no known signature whose first or last MiB is not all zero. */
export const UNRECOGNISED_DATA =
  "unrecognised data (no known signature, and the first or last MiB is not all zero)";

/** `unknownData` of a device carrying several signatures that contradict each other. */
export function ambivalentData(types: readonly string[]): string {
  return `several signatures (${types.map((t) => `"${t}"`).join(", ") || "unnamed"})`;
}

/** The content facts of a device that `describeContent` reads. */
export type ContentFacts = Pick<NodeDevice, "fsType" | "fsuuid" | "partTableType" | "unknownData">;

/**
 * What a device holds, in words for messages (`"ntfs" (UUID "…")`, `a "gpt" partition
 * table`, the unknown-data text); undefined when it holds nothing.
 */
export function describeContent(d: ContentFacts & { label?: string }): string | undefined {
  const parts: string[] = [];
  if (d.fsType) {
    const details = [
      ...(d.fsuuid ? [`UUID "${d.fsuuid}"`] : []),
      ...(d.label ? [`label "${d.label}"`] : []),
    ];
    parts.push(`"${d.fsType}"${details.length > 0 ? ` (${details.join(", ")})` : ""}`);
  }
  if (d.partTableType) parts.push(`a "${d.partTableType}" partition table`);
  if (d.unknownData) parts.push(d.unknownData);
  return parts.length > 0 ? parts.join(" and ") : undefined;
}

export interface NodeSpec {
  refresh?: boolean;
}

export interface NodeStatusFields {
  devices: NodeDevice[];
  conditions?: Condition[];
}

export interface DirectPVNode extends KubeObject {
  spec: NodeSpec;
  status: NodeStatusFields;
}

/** A new DirectPVNode for a node, asking it for a first device refresh. */
export function newDirectPVNode(name: string): DirectPVNode {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.node,
    metadata: {
      name,
      labels: {
        [LABELS.node]: toLabelValue(name),
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.nodeController,
      },
    },
    spec: { refresh: true },
    status: { devices: [] },
  };
}
