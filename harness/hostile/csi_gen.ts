/**
 * Generated hostile CSI requests: every case has one hostile part (volume id, path, size,
 * capability, content source or the bytes themselves) and is otherwise a valid request for
 * the volume `pvc-1`, which is staged at STAGING and published at TARGET.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  ControllerDefinition,
  NodeDefinition,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import type { Rng } from "./rng.ts";

/** What the generator draws from (the corpus plus the fixture's paths). */
export interface CsiCorpus {
  ids: string[];
  paths: string[];
  sizes: string[];
  kubeletDir: string;
  staging: string;
  target: string;
  /** A path below the kubelet directory that holds someone else's tmpfs. */
  foreignMount: string;
  /** A path below the kubelet directory through a symlink pointing out of it. */
  symlinked: string;
}

/** One generated case. */
export interface CsiCase {
  service: "Controller" | "Node";
  method: string;
  /** The hostile part, for the report. */
  axis: string;
  bytes: Uint8Array;
  /** Whether OK is a right answer (an idempotent removal of something that is not there). */
  okAllowed: boolean;
  /** The request before encoding, shortened, for the report. */
  detail: string;
}

type Request = Record<string, unknown>;
const MOUNT = {
  mount: { fsType: "xfs", mountFlags: [] },
  accessMode: { mode: Mode.SINGLE_NODE_WRITER },
};
const GiB = 2 ** 30;

function hostileId(rng: Rng, c: CsiCorpus): string {
  const roll = rng.int(4);
  if (roll === 0) return rng.string(1 + rng.int(400), "./\\%\0a-é😀 ");
  if (roll === 1) return "pvc-" + rng.string(256 + rng.int(2000), "abc");
  return rng.pick(c.ids);
}

/** Whether a hostile path may be a valid, unused kubelet path (not for publish targets). */
const UNUSED_OK = true;
const NO_UNUSED = false;

function hostilePath(rng: Rng, c: CsiCorpus, allowUnused: boolean): string {
  const roll = rng.int(allowUnused ? 8 : 7);
  if (roll === 0) return `${c.kubeletDir}/${"d/".repeat(2100 + rng.int(900))}x`;
  if (roll === 1) return `${c.kubeletDir}/${rng.string(256 + rng.int(300), "n")}`;
  if (roll === 2) return c.foreignMount;
  if (roll === 3) return `${c.symlinked}/mount`;
  if (roll === 7) return `${c.kubeletDir}/pods/unused-${rng.int(1e6)}/mount`;
  return rng.pick(c.paths).replaceAll("{kubelet}", c.kubeletDir);
}

function hostileCapability(rng: Rng): unknown {
  return rng.pick([
    undefined,
    // Block is served for one node only.
    { block: {}, accessMode: { mode: Mode.MULTI_NODE_MULTI_WRITER } },
    { mount: { fsType: "xfs" }, accessMode: { mode: Mode.MULTI_NODE_MULTI_WRITER } },
    { mount: { fsType: "ext4" }, accessMode: { mode: Mode.SINGLE_NODE_WRITER } },
    { mount: { fsType: "xfs\0" }, accessMode: { mode: Mode.SINGLE_NODE_WRITER } },
    { mount: { fsType: "x".repeat(5000) }, accessMode: { mode: Mode.SINGLE_NODE_WRITER } },
    { mount: { fsType: "xfs" }, accessMode: { mode: 999 } },
    { mount: { fsType: "xfs" } },
    { accessMode: { mode: Mode.SINGLE_NODE_WRITER } },
  ]);
}

/** A capacity range that no drive can or may serve, as a request field. */
function hostileRange(rng: Rng): { requiredBytes: number; limitBytes: number } {
  return rng.pick([
    { requiredBytes: -1, limitBytes: 0 },
    { requiredBytes: 0, limitBytes: -GiB },
    { requiredBytes: 2 * GiB, limitBytes: GiB },
    { requiredBytes: 0, limitBytes: 1 },
    { requiredBytes: 0, limitBytes: 1 + rng.int(2 ** 20 - 1) },
    { requiredBytes: 2 ** 45 + rng.int(2 ** 20), limitBytes: 0 },
    { requiredBytes: Number.MAX_SAFE_INTEGER, limitBytes: 0 },
  ]);
}

/** Appends a capacity range (field `field`) whose required bytes are `value` (int64 text). */
function withRawSize(bytes: Uint8Array, field: number, value: string): Uint8Array {
  const varint = new BinaryWriter().uint32(8);
  // Above int64 the wire still carries 64 bits: the decoder reads them as a negative int64.
  const range = (BigInt(value) > 2n ** 63n - 1n ? varint.uint64(value) : varint.int64(value))
    .finish();
  const extra = new BinaryWriter().uint32((field << 3) | 2).bytes(range).finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

type Axis = "id" | "path" | "size" | "capability" | "source" | "raw-size";
interface MethodSpec {
  service: "Controller" | "Node";
  key: string;
  axes: readonly Axis[];
  /** Field number of `capacity_range` for raw sizes. */
  rangeField?: number;
  /** Which axes may be answered OK (nothing there to remove, or a capability message). */
  okAxes?: readonly Axis[];
  build(rng: Rng, c: CsiCorpus, axis: Axis): Request;
}

const CREATE_BASE = { name: "pvc-new", volumeCapabilities: [MOUNT], parameters: {} };

const METHODS: readonly MethodSpec[] = [
  {
    service: "Controller",
    key: "createVolume",
    axes: ["size", "capability", "source", "raw-size"],
    rangeField: 2,
    build: (rng, _c, axis) => ({
      ...CREATE_BASE,
      name: `pvc-new-${rng.int(1e6)}`,
      capacityRange: axis === "size" ? hostileRange(rng) : { requiredBytes: GiB, limitBytes: 0 },
      ...(axis === "capability" ? { volumeCapabilities: [hostileCapability(rng) ?? {}] } : {}),
      ...(axis === "source"
        ? {
          volumeContentSource: rng.pick([
            // pvc-1 exists: cloning it is a valid request, which waits for a node server.
            { volume: { volumeId: rng.pick(["pvc-missing", "", ".."]) } },
            { snapshot: { snapshotId: rng.pick(["snap-missing", "", "/"]) } },
          ]),
        }
        : {}),
    }),
  },
  {
    service: "Controller",
    key: "deleteVolume",
    axes: ["id"],
    okAxes: ["id"],
    build: (rng, c) => ({ volumeId: hostileId(rng, c) }),
  },
  {
    service: "Controller",
    key: "controllerExpandVolume",
    axes: ["id", "size", "raw-size"],
    rangeField: 2,
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      capacityRange: axis === "size"
        ? hostileRange(rng)
        : { requiredBytes: 2 * GiB, limitBytes: 0 },
    }),
  },
  {
    service: "Controller",
    key: "validateVolumeCapabilities",
    axes: ["id", "capability"],
    okAxes: ["capability"],
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      volumeCapabilities: axis === "capability" ? [hostileCapability(rng) ?? {}] : [MOUNT],
    }),
  },
  {
    service: "Node",
    key: "nodeStageVolume",
    axes: ["id", "path", "capability"],
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      stagingTargetPath: axis === "path" ? hostilePath(rng, c, UNUSED_OK) : c.staging,
      volumeCapability: axis === "capability" ? hostileCapability(rng) : MOUNT,
    }),
  },
  {
    service: "Node",
    key: "nodeUnstageVolume",
    axes: ["id", "path"],
    okAxes: ["path"],
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      stagingTargetPath: axis === "path" ? hostilePath(rng, c, UNUSED_OK) : c.staging,
    }),
  },
  {
    service: "Node",
    key: "nodePublishVolume",
    axes: ["id", "path", "capability"],
    build: (rng, c, axis) => {
      const stagingHostile = axis === "path" && rng.int(2) === 0;
      return {
        volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
        stagingTargetPath: stagingHostile ? hostilePath(rng, c, UNUSED_OK) : c.staging,
        targetPath: axis === "path" && !stagingHostile ? hostilePath(rng, c, NO_UNUSED) : c.target,
        volumeCapability: axis === "capability" ? hostileCapability(rng) : MOUNT,
      };
    },
  },
  {
    service: "Node",
    key: "nodeUnpublishVolume",
    axes: ["id", "path"],
    okAxes: ["path"],
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      targetPath: axis === "path" ? hostilePath(rng, c, UNUSED_OK) : c.target,
    }),
  },
  {
    service: "Node",
    key: "nodeExpandVolume",
    axes: ["id", "path", "size", "raw-size"],
    rangeField: 3,
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      volumePath: axis === "path" ? hostilePath(rng, c, UNUSED_OK) : c.target,
      capacityRange: axis === "size" ? hostileRange(rng) : undefined,
    }),
  },
  {
    service: "Node",
    key: "nodeGetVolumeStats",
    axes: ["id", "path"],
    build: (rng, c, axis) => ({
      volumeId: axis === "id" ? hostileId(rng, c) : "pvc-1",
      volumePath: axis === "path" ? hostilePath(rng, c, UNUSED_OK) : c.target,
    }),
  },
];

interface Codec {
  encode(message: unknown): { finish(): Uint8Array };
  fromPartial(object: unknown): unknown;
}

function codecOf(spec: MethodSpec): { name: string; codec: Codec } {
  const definition = spec.service === "Controller" ? ControllerDefinition : NodeDefinition;
  const method = (definition.methods as Record<string, { name: string; requestType: unknown }>)[
    spec.key
  ];
  if (!method) throw new Error(`No method ${spec.key}`);
  return { name: method.name, codec: method.requestType as Codec };
}

/** Cuts a request short, or replaces it with junk bytes that start with a bad tag. */
function mangle(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.int(3) === 0 || bytes.length < 2) {
    const junk = new Uint8Array(1 + rng.int(64));
    for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
    junk[0] = 0x07; // field 0 with wire type 7: no decoder accepts it
    return junk;
  }
  return bytes.slice(0, 1 + rng.int(bytes.length - 1));
}

/** The next case drawn from `rng`. */
export function csiCase(rng: Rng, c: CsiCorpus): CsiCase {
  const spec = rng.pick(METHODS);
  const { name, codec } = codecOf(spec);
  // Only cut (never flip) and never CreateVolume: what is left must still be refused.
  const mangled = spec.key !== "createVolume" && rng.int(12) === 0;
  const axis = rng.pick(spec.axes);
  const request = spec.build(rng, c, axis === "raw-size" ? "size" : axis);
  let bytes = codec.encode(codec.fromPartial(request)).finish();
  if (axis === "raw-size" && spec.rangeField) {
    bytes = withRawSize(bytes, spec.rangeField, rng.pick(c.sizes));
  }
  if (mangled) bytes = mangle(rng, bytes);
  return {
    service: spec.service,
    method: name,
    axis: mangled ? "bytes" : axis,
    bytes,
    okAllowed: mangled || (spec.okAxes ?? []).includes(axis),
    detail: JSON.stringify(request).slice(0, 300),
  };
}
