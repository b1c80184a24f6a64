/** Label, finalizer, annotation and topology keys (reference §2.5) and label-value sanitising. */
import { GROUP, LEGACY_GROUP } from "./consts.ts";
import type { KubeObject } from "./meta.ts";

const P = `${GROUP}/`;

/** Every reserved label key; the CLI's `label` command refuses them. */
export const LABELS = {
  node: `${P}node`,
  driveName: `${P}drive-name`,
  accessTier: `${P}access-tier`,
  drive: `${P}drive`,
  version: `${P}version`,
  createdBy: `${P}created-by`,
  podName: `${P}pod.name`,
  podNamespace: `${P}pod.namespace`,
  v1beta1: `${P}v1beta1`,
  identity: `${P}identity`,
  rack: `${P}rack`,
  zone: `${P}zone`,
  region: `${P}region`,
  migrated: `${P}migrated`,
  requestId: `${P}request-id`,
  suspend: `${P}suspend`,
  volumeClaimId: `${P}volume-claim-id`,
  claimId: `${P}claim-id`,
  imageTag: `${P}image-tag`,
  tenant: `${P}tenant`,
  /** Ours, on a snapshot: the volume it was cut from. */
  sourceVolume: `${P}source-volume`,
} as const;

/** Prefix of the per-claim labels placed on drives (`…/volume-claim-id-<uuid>=true`). */
export const VOLUME_CLAIM_ID_LABEL_PREFIX = `${P}volume-claim-id-`;

/** The label key that marks a drive as holding a volume of the given claim. */
export function volumeClaimIdLabel(claimId: string): string {
  return `${VOLUME_CLAIM_ID_LABEL_PREFIX}${claimId}`;
}

const RESERVED = new Set<string>(
  Object.values(LABELS).filter((k) => k !== LABELS.tenant),
);

/** Whether a label key is reserved for DirectPV's own use. */
export function isReservedLabelKey(key: string): boolean {
  return RESERVED.has(key) || key.startsWith(VOLUME_CLAIM_ID_LABEL_PREFIX);
}

/** The five topology keys, in the order NodeGetInfo reports them. */
export const TOPOLOGY_KEYS = {
  identity: LABELS.identity,
  node: LABELS.node,
  rack: LABELS.rack,
  zone: LABELS.zone,
  region: LABELS.region,
} as const;

/** The topology keys of a node plugin: DirectPV's or DirectCSI's. */
export type TopologyKeys = { readonly [K in keyof typeof TOPOLOGY_KEYS]: string };

const L = `${LEGACY_GROUP}/`;

/**
 * DirectCSI's five topology keys: the node affinity of every PV it provisioned names them, so
 * the plugin serving those PVs reports them (the kubelet turns them into node labels).
 */
export const LEGACY_TOPOLOGY_KEYS: TopologyKeys = {
  identity: `${L}identity`,
  node: `${L}node`,
  rack: `${L}rack`,
  zone: `${L}zone`,
  region: `${L}region`,
};

export const FINALIZERS = {
  dataProtection: `${P}data-protection`,
  pvProtection: `${P}pv-protection`,
  purgeProtection: `${P}purge-protection`,
  /** Prefix of the per-volume finalizers on drives. */
  volumePrefix: `${GROUP}.volume/`,
  /** Ours: prefix of the per-snapshot finalizers on drives (the bytes a snapshot holds). */
  snapshotPrefix: `${GROUP}.snapshot/`,
  /** Ours: on a snapshot until its node server has removed the copy and freed its bytes. */
  snapshotProtection: `${P}snapshot-protection`,
} as const;

/** The finalizer a drive carries for each snapshot it holds. */
export function snapshotFinalizer(snapshotName: string): string {
  return `${FINALIZERS.snapshotPrefix}${snapshotName}`;
}

/** The finalizer a drive carries for each volume it holds. */
export function volumeFinalizer(volumeName: string): string {
  return `${FINALIZERS.volumePrefix}${volumeName}`;
}

export const ANNOTATIONS = {
  imageTag: `${P}image-tag`,
  /** Ours, on a source drive: move its volumes with their data to the drive of this id. */
  moveDataTo: `${P}move-data-to`,
  /** Ours: `"true"` when the move waits for published volumes instead of failing. */
  moveDataWait: `${P}move-data-wait`,
  /** Ours: the node server's progress of the move, a {@link MoveDataProgress} as JSON. */
  moveDataProgress: `${P}move-data-progress`,
  /** Ours, on a volume made from a content source: `volume/<id>` or `snapshot/<id>`. */
  contentSource: `${P}content-source`,
  /**
   * Ours, on a drive: `{volume: bytes}` (JSON), what its allocation counts for volumes whose
   * stored size does not say so yet (an expansion in flight, a new volume sized by the drive).
   */
  pendingSizes: `${P}pending-sizes`,
} as const;

/** Where a drive's data move stands, as the node server records it. */
export interface MoveDataProgress {
  state: "copying" | "switched" | "waiting" | "done" | "failed";
  /** The destination drive. */
  to: string;
  /** The volume the state is about (empty for done/failed of the whole move). */
  volume: string;
  /** 1-based position of the volume and how many there are. */
  index: number;
  total: number;
  /** Bytes of the volume's data (copying, switched) and of the move so far. */
  bytes: number;
  movedBytes: number;
  /** While copying: bytes of the volume copied so far. */
  copiedBytes?: number;
  message: string;
}

/** Values of the `created-by` label. */
export const CREATED_BY = {
  cli: "kubectl-directpv",
  controller: "directpv-controller",
  driver: "directpv-driver",
  nodeController: "node-controller",
} as const;

const LABEL_VALUE_MAX = 63;
const VALID_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ALNUM = /^[A-Za-z0-9]$/;

/** Whether a string is a valid Kubernetes label value. */
export function isValidLabelValue(value: string): boolean {
  return value.length <= LABEL_VALUE_MAX && VALID_LABEL_VALUE.test(value);
}

/**
 * Turns any string into a label value exactly the way DirectPV does. A valid value is
 * kept. Otherwise the value is cut to 63 bytes, then every non-alphanumeric character
 * becomes `x` when it is the first one or one of `.`, `_`, `-`, and `-` otherwise.
 *
 * @example toLabelValue("/dev/sda") === "xdev-sda"
 */
export function toLabelValue(value: string): string {
  if (isValidLabelValue(value)) return value;
  const bytes = new TextEncoder().encode(value);
  const cut = bytes.length > LABEL_VALUE_MAX
    ? new TextDecoder().decode(bytes.slice(0, LABEL_VALUE_MAX))
    : value;
  return Array.from(cut, (ch, i) => {
    if (ALNUM.test(ch)) return ch;
    return i !== 0 && ch !== "." && ch !== "_" && ch !== "-" ? "-" : "x";
  }).join("");
}

/** Whether an object's `directpv.min.io/node` label names node `node`. */
export function isOnNode(object: KubeObject, node: string): boolean {
  return object.metadata.labels?.[LABELS.node] === toLabelValue(node);
}

/** Whether a drive or volume carries `directpv.min.io/suspend=true`. */
export function isSuspended(object: KubeObject): boolean {
  return object.metadata.labels?.[LABELS.suspend] === "true";
}
