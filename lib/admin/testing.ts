/** Fixtures for tests of admin operations and the CLI: drives, volumes, nodes, CSINodes. */
import type { AnyObject } from "../k8s/mod.ts";
import { fsError } from "../sys/mod.ts";
import type { FileStore, ProgressState, Reporter } from "./types.ts";
import type { FakeKube } from "../k8s/testing.ts";
import {
  API_VERSION,
  CREATED_BY,
  type DirectPVDrive,
  type DirectPVNode,
  type DirectPVVolume,
  type DriveStatus,
  FINALIZERS,
  IDENTITY,
  KINDS,
  LABELS,
  newDirectPVNode,
  type NodeDevice,
  nodeLeaseObject,
  VERSION,
  volumeFinalizer,
  type VolumeStatus,
} from "../types/mod.ts";

/** What a test drive looks like. */
export interface DriveFixture {
  id: string;
  node: string;
  name: string;
  status?: DriveStatus;
  size?: number;
  free?: number;
  make?: string;
  volumes?: string[];
  labels?: Record<string, string>;
  unschedulable?: boolean;
  accessTier?: string;
}

const GI = 2 ** 30;

/** A DirectPVDrive as the node server creates it. */
export function makeDrive(f: DriveFixture): DirectPVDrive {
  const size = f.size ?? 10 * GI;
  const free = f.free ?? size;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: f.id,
      labels: {
        [LABELS.node]: f.node,
        [LABELS.driveName]: f.name,
        [LABELS.accessTier]: f.accessTier ?? "Default",
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.driver,
        ...f.labels,
      },
      finalizers: [FINALIZERS.dataProtection, ...(f.volumes ?? []).map(volumeFinalizer)],
    },
    spec: f.unschedulable ? { unschedulable: true } : {},
    status: {
      totalCapacity: size,
      allocatedCapacity: size - free,
      freeCapacity: free,
      fsuuid: f.id,
      status: f.status ?? "Ready",
      topology: {
        [LABELS.identity]: IDENTITY,
        [LABELS.node]: f.node,
        [LABELS.rack]: "default",
        [LABELS.zone]: "default",
        [LABELS.region]: "default",
      },
      ...(f.make !== undefined ? { make: f.make } : {}),
    },
  };
}

/** What a test volume looks like. */
export interface VolumeFixture {
  name: string;
  driveId: string;
  node: string;
  driveName: string;
  size?: number;
  status?: VolumeStatus;
  pod?: { name: string; namespace: string };
  targetPath?: string;
  labels?: Record<string, string>;
  finalizers?: string[];
}

/** A DirectPVVolume as the controller creates it (published when `targetPath` is set). */
export function makeVolume(f: VolumeFixture): DirectPVVolume {
  const size = f.size ?? GI;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name: f.name,
      labels: {
        [LABELS.drive]: f.driveId,
        [LABELS.node]: f.node,
        [LABELS.driveName]: f.driveName,
        [LABELS.version]: VERSION,
        [LABELS.createdBy]: CREATED_BY.controller,
        ...(f.pod ? { [LABELS.podName]: f.pod.name, [LABELS.podNamespace]: f.pod.namespace } : {}),
        ...f.labels,
      },
      finalizers: f.finalizers ?? [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: `/var/lib/directpv/mnt/${f.driveId}/${f.name}`,
      stagingTargetPath: f.status === "Ready" || f.targetPath ? `/staging/${f.name}` : "",
      targetPath: f.targetPath ?? "",
      fsuuid: f.driveId,
      totalCapacity: size,
      availableCapacity: size,
      usedCapacity: 0,
      status: f.status ?? "Ready",
    },
  };
}

/** A DirectPVNode reporting devices. */
export function makeNode(
  name: string,
  devices: NodeDevice[],
  options: { refresh?: boolean } = {},
): DirectPVNode {
  const node = newDirectPVNode(name);
  return {
    ...node,
    // The name as given, unsanitised: tests pick names that are valid label values.
    metadata: { ...node.metadata, labels: { ...node.metadata.labels, [LABELS.node]: name } },
    spec: options.refresh ? { refresh: true } : {},
    status: { devices },
  };
}

/** A CSINode listing the given drivers (DirectPV's by default). */
export function makeCsiNode(name: string, drivers: string[] = [IDENTITY]): AnyObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSINode",
    metadata: { name },
    spec: { drivers: drivers.map((d) => ({ name: d, nodeID: name, topologyKeys: [] })) },
  };
}

/** A PersistentVolume in a phase, bound to a claim. */
export function makePv(name: string, phase: string, claim = `claim-${name}`): AnyObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { claimRef: { name: claim, namespace: "default" }, csi: { driver: IDENTITY } },
    status: { phase },
  };
}

/** A CRD object by plural and group (for `info`'s installation check). */
export function makeCrd(
  plural: string,
  group: string,
  versions: string[] = ["v1beta1"],
): AnyObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { plural },
      scope: "Cluster",
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === versions.length - 1,
      })),
    },
  };
}

/** A reporter that records everything, for assertions. */
export function recordingReporter(): Reporter & {
  infos: string[];
  warnings: string[];
  updates: Array<{ key: string; state: ProgressState; message: string }>;
  totals: number[];
  ended: number;
} {
  const r = {
    infos: [] as string[],
    warnings: [] as string[],
    updates: [] as Array<{ key: string; state: ProgressState; message: string }>,
    totals: [] as number[],
    ended: 0,
    info: (m: string) => void r.infos.push(m),
    warn: (m: string) => void r.warnings.push(m),
    begin: (total: number) => void r.totals.push(total),
    update: (key: string, state: ProgressState, message: string) =>
      void r.updates.push({ key, state, message }),
    end: () => void (r.ended += 1),
  };
  return r;
}

/** What Deno throws for a missing file, mapped as the Host maps it. */
function missing(action: string, path: string): Error {
  return fsError(new Deno.errors.NotFound("No such file or directory (os error 2)"), action, path);
}

/** Files kept in a map, with the modes they were written with; errors as the Host's. */
export class MemoryFiles implements FileStore {
  readonly files = new Map<string, { text: string; mode?: number }>();
  readonly dirs = new Map<string, number | undefined>();
  readText(path: string): Promise<string> {
    const file = this.files.get(path);
    return file ? Promise.resolve(file.text) : Promise.reject(missing("read", path));
  }
  writeText(path: string, text: string, options?: { mode?: number }): Promise<void> {
    this.files.set(path, { text, ...(options?.mode !== undefined ? { mode: options.mode } : {}) });
    return Promise.resolve();
  }
  mkdir(path: string, options?: { mode?: number }): Promise<void> {
    this.dirs.set(path, options?.mode);
    return Promise.resolve();
  }
  rename(from: string, to: string): Promise<void> {
    const file = this.files.get(from);
    if (!file) return Promise.reject(missing("rename", from));
    this.files.delete(from);
    this.files.set(to, file);
    return Promise.resolve();
  }
  remove(path: string): Promise<void> {
    if (!this.files.delete(path)) return Promise.reject(missing("remove", path));
    return Promise.resolve();
  }
}

/** Stores the node server lease of `node`, last renewed at `renewed`. */
export function seedLease(kube: FakeKube, node: string, renewed: Date): void {
  kube.seed(nodeLeaseObject(node, renewed) as AnyObject);
}

/** Stores a core Node whose Ready condition is True or Unknown. */
export function seedNode(kube: FakeKube, node: string, state: { ready: boolean }): void {
  const object: AnyObject = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: node },
    status: { conditions: [{ type: "Ready", status: state.ready ? "True" : "Unknown" }] },
  };
  kube.seed(object);
}
