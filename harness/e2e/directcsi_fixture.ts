/**
 * A cluster as DirectCSI left it, for the migration scenarios: its two CRDs serving the
 * versions of a given release (structural schemas written from DirectCSI's field list; one
 * schema for v1beta3, v1beta4 and v1beta5, whose objects differ only in data), its drive and
 * volume objects in the shape that release wrote, and XFS loop drives laid out as it formatted
 * them (its own filesystem UUID, label `DIRECTCSI`, one directory per volume at the root).
 */
import { createHash } from "node:crypto";
import type { AnyObject, KubeClient, ResourceClient } from "../../lib/k8s/mod.ts";
import { LEGACY_GROUP, LEGACY_IDENTITY } from "../../lib/types/mod.ts";
import { run, waitFor } from "../lib/mod.ts";
import type { LoopDrive } from "../loop/mod.ts";

export type DirectCsiVersion = "v1beta3" | "v1beta4" | "v1beta5";
const ORDER: DirectCsiVersion[] = ["v1beta3", "v1beta4", "v1beta5"];
const G = `${LEGACY_GROUP}/`;

const str = { type: "string" };
const int = { type: "integer", format: "int64" };
const bool = { type: "boolean" };
const strMap = { type: "object", additionalProperties: str };
const conditions = {
  type: "array",
  items: {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: str,
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      lastTransitionTime: { type: "string", format: "date-time" },
      reason: str,
      message: str,
      observedGeneration: int,
    },
  },
};

const DRIVE_STATUS = {
  type: "object",
  properties: {
    path: str,
    rootPartition: str,
    partitionNum: { type: "integer" },
    filesystem: str,
    mountpoint: str,
    mountOptions: { type: "array", items: str },
    nodeName: str,
    driveStatus: {
      type: "string",
      enum: ["InUse", "Available", "Unavailable", "Ready", "Terminating", "Released"],
    },
    modelNumber: str,
    serialNumber: str,
    totalCapacity: int,
    freeCapacity: int,
    allocatedCapacity: int,
    logicalBlockSize: int,
    physicalBlockSize: int,
    topology: strMap,
    accessTier: { type: "string", enum: ["Warm", "Hot", "Cold", "Unknown"] },
    filesystemUUID: str,
    partitionUUID: str,
    majorNumber: { type: "integer" },
    minorNumber: { type: "integer" },
    wwid: str,
    vendor: str,
    dmName: str,
    dmUUID: str,
    mdUUID: str,
    partTableUUID: str,
    partTableType: str,
    virtual: bool,
    readOnly: bool,
    partitioned: bool,
    swapOn: bool,
    master: str,
    otherMountsInfo: {
      type: "array",
      items: {
        type: "object",
        properties: { mountpoint: str, mountOptions: { type: "array", items: str } },
      },
    },
    pciPath: str,
    serialNumberLong: str,
    conditions,
  },
};

const DRIVE_SPEC = {
  type: "object",
  properties: {
    directCSIOwned: bool,
    requestedFormat: {
      type: "object",
      properties: {
        force: bool,
        purge: bool,
        filesystem: str,
        mountOptions: { type: "array", items: str },
        mountPoint: str,
      },
    },
    driveTaint: strMap,
  },
};

const VOLUME_STATUS = {
  type: "object",
  properties: {
    drive: str,
    nodeName: str,
    hostPath: str,
    stagingPath: str,
    containerPath: str,
    totalCapacity: int,
    availableCapacity: int,
    usedCapacity: int,
    conditions,
  },
};

function crd(
  kind: string,
  plural: string,
  version: DirectCsiVersion,
  holds: "drive" | "volume",
): AnyObject {
  const drive = holds === "drive";
  const properties: Record<string, unknown> = {
    apiVersion: str,
    kind: str,
    metadata: { type: "object" },
    status: drive ? DRIVE_STATUS : VOLUME_STATUS,
    ...(drive ? { spec: DRIVE_SPEC } : {}),
  };
  const served = ORDER.slice(0, ORDER.indexOf(version) + 1);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${LEGACY_GROUP}` },
    spec: {
      group: LEGACY_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: plural.replace(/s$/, "") },
      scope: "Cluster",
      versions: served.map((name) => ({
        name,
        served: true,
        storage: name === version,
        schema: { openAPIV3Schema: { type: "object", properties } },
      })),
    },
  };
}

/** The DirectCSI CRDs of the release whose newest version is `version`. */
export function directCsiCrds(version: DirectCsiVersion): AnyObject[] {
  return [
    crd("DirectCSIDrive", "directcsidrives", version, "drive"),
    crd("DirectCSIVolume", "directcsivolumes", version, "volume"),
  ];
}

/** Creates the CRDs and waits until both kinds are served. */
export async function installDirectCsiCrds(
  kube: KubeClient,
  version: DirectCsiVersion,
): Promise<void> {
  for (const object of directCsiCrds(version)) await kube.customResourceDefinitions.create(object);
  for (const kind of ["drive", "volume"] as const) {
    const client = directCsiClient(kube, kind, version);
    await waitFor(
      async () => (await client.list({ limit: 1 }).catch(() => undefined)) !== undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        description: `DirectCSI ${kind}s served`,
      },
    );
  }
}

/** The dynamic client of a DirectCSI kind. */
export function directCsiClient(
  kube: KubeClient,
  kind: "drive" | "volume",
  version: string,
): ResourceClient<AnyObject> {
  return kube.resource(
    `${LEGACY_GROUP}/${version}`,
    kind === "drive" ? "DirectCSIDrive" : "DirectCSIVolume",
    {
      plural: kind === "drive" ? "directcsidrives" : "directcsivolumes",
      namespaced: false,
    },
  );
}

/** A condition DirectCSI always set true. */
const ALWAYS = true;

function condition(type: string, status: boolean, reason: string) {
  return {
    type,
    status: status ? "True" : "False",
    lastTransitionTime: "2022-03-01T10:00:00Z",
    reason,
    message: "",
  };
}

/** One legacy drive of the fixture. */
export interface DirectCsiDriveSpec {
  /** The DirectCSIDrive's name (DirectCSI named drives by a UUID of its own). */
  name: string;
  node: string;
  loop: LoopDrive;
  status: "Ready" | "InUse" | "Available";
  /** The XFS UUID; absent for an unformatted (Available) drive. */
  fsuuid?: string;
  /** Volumes on it: name → bytes allocated. */
  volumes: Record<string, number>;
}

/** A DirectCSIDrive as the release of `version` wrote it. */
export function directCsiDrive(spec: DirectCsiDriveSpec, version: DirectCsiVersion): AnyObject {
  const allocated = Object.values(spec.volumes).reduce((a, b) => a + b, 0);
  const formatted = spec.fsuuid !== undefined;
  const conds = [
    condition("Owned", formatted, formatted ? "Added" : "NotAdded"),
    condition("Mounted", formatted, formatted ? "Mounted" : "NotMounted"),
    condition("Formatted", formatted, formatted ? "Formatted" : "NotFormatted"),
    condition("Initialized", ALWAYS, "Initialized"),
    // v1beta4 added the Ready condition.
    ...(version === "v1beta3" ? [] : [condition("Ready", ALWAYS, "Ready")]),
  ];
  const device = spec.loop.device.replace(/^\/dev\//, "");
  return {
    apiVersion: `${LEGACY_GROUP}/${version}`,
    kind: "DirectCSIDrive",
    metadata: {
      name: spec.name,
      labels: {
        [`${G}node`]: spec.node,
        [`${G}path`]: device,
        [`${G}created-by`]: "directcsi-driver",
        [`${G}access-tier`]: "Unknown",
        [`${G}version`]: version,
      },
      finalizers: [
        `${G}data-protection`,
        ...Object.keys(spec.volumes).map((v) => `${LEGACY_GROUP}.volume/${v}`),
      ],
    },
    spec: { directCSIOwned: formatted },
    status: {
      path: spec.loop.device,
      filesystem: formatted ? "xfs" : "",
      mountpoint: formatted ? `/var/lib/direct-csi/mnt/${spec.name}` : "",
      mountOptions: formatted ? ["rw", "relatime", "prjquota"] : [],
      nodeName: spec.node,
      driveStatus: spec.status,
      totalCapacity: spec.loop.size,
      allocatedCapacity: allocated,
      freeCapacity: spec.loop.size - allocated,
      logicalBlockSize: 512,
      physicalBlockSize: 512,
      accessTier: "Unknown",
      topology: topology(spec.node),
      ...(formatted ? { filesystemUUID: spec.fsuuid } : {}),
      conditions: conds,
    },
  };
}

function topology(node: string): Record<string, string> {
  return {
    [`${G}identity`]: LEGACY_IDENTITY,
    [`${G}node`]: node,
    [`${G}rack`]: "default",
    [`${G}zone`]: "default",
    [`${G}region`]: "default",
  };
}

/** One legacy volume of the fixture. */
export interface DirectCsiVolumeSpec {
  name: string;
  drive: DirectCsiDriveSpec;
  size: number;
  stagingPath?: string;
  containerPath?: string;
}

/** A DirectCSIVolume as the release of `version` wrote it. */
export function directCsiVolume(spec: DirectCsiVolumeSpec, version: DirectCsiVersion): AnyObject {
  const staged = spec.stagingPath !== undefined;
  const published = spec.containerPath !== undefined;
  return {
    apiVersion: `${LEGACY_GROUP}/${version}`,
    kind: "DirectCSIVolume",
    metadata: {
      name: spec.name,
      labels: {
        [`${G}node`]: spec.drive.node,
        [`${G}drive`]: spec.drive.name,
        [`${G}drive-path`]: spec.drive.loop.device.replace(/^\/dev\//, ""),
        [`${G}created-by`]: "directcsi-controller",
        [`${G}version`]: version,
      },
      finalizers: [`${G}pv-protection`, `${G}purge-protection`],
    },
    status: {
      drive: spec.drive.name,
      nodeName: spec.drive.node,
      hostPath: `/var/lib/direct-csi/mnt/${spec.drive.name}/${spec.name}`,
      stagingPath: spec.stagingPath ?? "",
      containerPath: spec.containerPath ?? "",
      totalCapacity: spec.size,
      availableCapacity: spec.size,
      usedCapacity: 0,
      conditions: [
        condition("Staged", staged, staged ? "InUse" : "NotInUse"),
        condition("Published", published, published ? "InUse" : "NotInUse"),
        condition("Ready", ALWAYS, "Ready"),
      ],
    },
  };
}

/** SHA-256 of a file, hex. */
export async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

/**
 * Formats a drive as DirectCSI did and writes each volume's data (a file of pseudo-random
 * bytes named after the volume); returns volume name → checksum.
 */
export async function layOutDrive(
  spec: DirectCsiDriveSpec,
  mountAt: string,
): Promise<Record<string, string>> {
  if (spec.fsuuid === undefined) return {};
  await run("mkfs.xfs", [
    "-q",
    "-f",
    "-i",
    "maxpct=50",
    "-m",
    `uuid=${spec.fsuuid}`,
    "-L",
    "DIRECTCSI",
    spec.loop.device,
  ]);
  await Deno.mkdir(mountAt, { recursive: true });
  await run("mount", [spec.loop.device, mountAt]);
  const sums: Record<string, string> = {};
  try {
    for (const volume of Object.keys(spec.volumes)) {
      await Deno.mkdir(`${mountAt}/${volume}`);
      const seed = createHash("sha256").update(volume).digest();
      const data = new Uint8Array(256 * 1024).map((_, i) => (seed[i % 32] ?? 0) ^ (i * 131));
      await Deno.writeFile(`${mountAt}/${volume}/data.bin`, data);
      sums[volume] = await sha256(`${mountAt}/${volume}/data.bin`);
    }
  } finally {
    await run("umount", [mountAt]);
  }
  return sums;
}

/** Every object of a kind, keyed by name, with its resourceVersion: a before/after dump. */
export async function dumpObjects(
  client: { listAll(): Promise<AnyObject[]> },
): Promise<Record<string, AnyObject>> {
  const out: Record<string, AnyObject> = {};
  for (const o of await client.listAll()) out[o.metadata.name ?? ""] = o;
  return out;
}
