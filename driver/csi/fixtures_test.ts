/** Shared builders for the Controller and Node handler tests (no tests of its own). */
import assert from "node:assert/strict";
import { nullLogger } from "../../lib/log/mod.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import { FakeHost } from "../../lib/sys/testing.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  KINDS,
  LABELS,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import {
  type VolumeCapability,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";
import type { EventInput, EventSink } from "../events.ts";
import { BusyDrives, type ControllerDeps, type DriveCache } from "./controller_deps.ts";
import type { NodeContext } from "../node_context.ts";
import { testNodeContext } from "../reconcile/testing.ts";
import type { CallContext } from "./services.ts";
import { codeOf, type Status } from "./status.ts";

export const GiB = 2 ** 30;

/** A CallContext with a fresh signal and a silent logger. */
export function callCtx(): CallContext {
  return { signal: new AbortController().signal, logger: nullLogger() };
}

/** Events kept in memory. */
export class MemoryEvents implements EventSink {
  readonly events: EventInput[] = [];
  record(input: EventInput): Promise<void> {
    this.events.push(input);
    return Promise.resolve();
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

/** A drive cache over a map; `apply` keeps the newer resourceVersion. */
export class MapDriveCache implements DriveCache {
  readonly #drives = new Map<string, DirectPVDrive>();
  constructor(drives: readonly DirectPVDrive[] = []) {
    for (const d of drives) this.#drives.set(d.metadata.name ?? "", d);
  }
  list(): DirectPVDrive[] {
    return [...this.#drives.values()];
  }
  get(name: string): DirectPVDrive | undefined {
    return this.#drives.get(name);
  }
  apply(drive: DirectPVDrive): void {
    const old = this.#drives.get(drive.metadata.name ?? "");
    const rv = (d?: DirectPVDrive) => Number(d?.metadata.resourceVersion ?? 0);
    if (!old || rv(drive) > rv(old)) this.#drives.set(drive.metadata.name ?? "", drive);
  }
}

/** Options of {@linkcode drive}. */
export interface DriveOptions {
  node?: string;
  total?: number;
  free?: number;
  status?: DirectPVDrive["status"]["status"];
  labels?: Record<string, string>;
  volumes?: string[];
  unschedulable?: boolean;
}

/** A DirectPVDrive named after its FSUUID. */
export function drive(fsuuid: string, o: DriveOptions = {}): DirectPVDrive {
  const node = o.node ?? "node-1";
  const total = o.total ?? 10 * GiB;
  const free = o.free ?? total;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name: fsuuid,
      labels: {
        [LABELS.node]: node,
        [LABELS.driveName]: "sdb",
        [LABELS.accessTier]: "Default",
        [LABELS.version]: "v1beta1",
        ...o.labels,
      },
      finalizers: [FINALIZERS.dataProtection, ...(o.volumes ?? []).map(volumeFinalizer)],
    },
    spec: o.unschedulable ? { unschedulable: true } : {},
    status: {
      totalCapacity: total,
      allocatedCapacity: total - free,
      freeCapacity: free,
      fsuuid,
      status: o.status ?? "Ready",
      topology: {
        [LABELS.identity]: "directpv-min-io",
        [LABELS.node]: node,
        [LABELS.rack]: "default",
        [LABELS.zone]: "default",
        [LABELS.region]: "default",
      },
    },
  };
}

/** Options of {@linkcode volume}. */
export interface VolumeOptions {
  drive?: string;
  node?: string;
  size?: number;
  staging?: string;
  target?: string;
  dataPath?: string;
  labels?: Record<string, string>;
  status?: DirectPVVolume["status"]["status"];
}

/** A DirectPVVolume on drive `o.drive` (default `d1`). */
export function volume(name: string, o: VolumeOptions = {}): DirectPVVolume {
  const size = o.size ?? GiB;
  const driveId = o.drive ?? "d1";
  return {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name,
      labels: {
        [LABELS.drive]: driveId,
        [LABELS.node]: o.node ?? "node-1",
        [LABELS.driveName]: "sdb",
        ...o.labels,
      },
      finalizers: [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: o.dataPath ?? "",
      stagingTargetPath: o.staging ?? "",
      targetPath: o.target ?? "",
      fsuuid: driveId,
      totalCapacity: size,
      availableCapacity: size,
      usedCapacity: 0,
      status: o.status ?? (o.staging ? "Ready" : "Pending"),
    },
  };
}

/** A mount capability with `mode` (SINGLE_NODE_WRITER) and `fsType` ("xfs"). */
export function mountCap(
  mode: Mode = Mode.SINGLE_NODE_WRITER,
  fsType = "xfs",
): VolumeCapability {
  return { mount: { fsType, mountFlags: [], volumeMountGroup: "" }, accessMode: { mode } };
}

/** A block capability. */
export function blockCap(mode: Mode = Mode.SINGLE_NODE_WRITER): VolumeCapability {
  return { block: {}, accessMode: { mode } };
}

/** What {@linkcode controllerSetup} returns. */
export interface ControllerSetup {
  kube: FakeKube;
  cache: MapDriveCache;
  events: MemoryEvents;
  deps: ControllerDeps;
}

/** A FakeKube seeded with `objects`, the controller deps over it and the captured events. */
export function controllerSetup(
  drives: DirectPVDrive[],
  volumes: DirectPVVolume[] = [],
): ControllerSetup {
  const kube = new FakeKube();
  const stored = kube.seed(...drives, ...volumes) as DirectPVDrive[];
  const cache = new MapDriveCache(stored.filter((o) => o.kind === KINDS.drive));
  const events = new MemoryEvents();
  const deps: ControllerDeps = {
    kube,
    drives: cache,
    events,
    busy: new BusyDrives(),
    randomIndex: () => 0,
  };
  return { kube, cache, events, deps };
}

/** Asserts a rejection of class `cls`, with `message` when given, mapping to `code`. */
export async function rejects(
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => Error,
  code: Status,
  message?: string | RegExp,
): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal(codeOf(err), code);
  if (typeof message === "string") assert.equal((err as Error).message, message);
  else if (message) assert.match((err as Error).message, message);
}

/** The FSUUID of the drive in node tests. */
export const FSUUID = "3a0f7e1c-8d2b-4c6e-9f10-1a2b3c4d5e6f";
/** A kubelet staging path. */
export const STAGING = "/var/lib/kubelet/plugins/kubernetes.io/csi/directpv-min-io/abc/globalmount";
/** A kubelet target path. */
export const TARGET = "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/pvc-1/mount";

/** Options of {@linkcode nodeSetup}. */
export interface NodeSetupOptions {
  /** The drive is mounted at `<app>/mnt/<fsuuid>` (default true). */
  mounted?: boolean;
  /** The drive mount has `prjquota` (default true). */
  quotaMount?: boolean;
  policy?: "required" | "best-effort";
  drive?: Readonly<DriveOptions>;
  volumes?: readonly DirectPVVolume[];
  /** `<app>/tmp` is mounted (default true). */
  tmpMounted?: boolean;
}

/** What {@linkcode nodeSetup} returns. */
export interface NodeSetup {
  host: FakeHost;
  kube: FakeKube;
  deps: NodeContext;
  events: MemoryEvents;
  /** Mapped `<app>/mnt/<fsuuid>`. */
  mountPoint: string;
}

/** A FakeHost with one drive (optionally mounted), a FakeKube and the Node deps. */
export async function nodeSetup(o: NodeSetupOptions = {}): Promise<NodeSetup> {
  const host = await FakeHost.create();
  const kube = new FakeKube();
  kube.seed(drive(FSUUID, o.drive as DriveOptions), ...(o.volumes ?? []));
  const mountPoint = host.paths.app("mnt", FSUUID);
  await host.fs.mkdir(mountPoint, { recursive: true });
  if (o.mounted ?? true) {
    await host.fs.symlink(".", `${mountPoint}/.FSUUID.${FSUUID}`);
    await host.addMount({
      mountPoint,
      majorMinor: "8:16",
      source: "/dev/sdb",
      fsType: "xfs",
      mountOptions: ["rw", "noatime"],
      superOptions: (o.quotaMount ?? true) ? ["rw", "prjquota"] : ["rw"],
    });
  }
  const tmp = host.paths.app("tmp");
  await host.fs.mkdir(tmp, { recursive: true });
  if (o.tmpMounted ?? true) {
    await host.addMount({ mountPoint: tmp, fsType: "tmpfs", source: "tmpfs", majorMinor: "0:40" });
  }
  host.onExec("xfs_quota", {});
  const events = new MemoryEvents();
  const deps = testNodeContext({
    nodeId: "node-1",
    kube,
    host,
    logger: nullLogger(),
    events,
    quota: o.policy ?? "required",
    allowLoop: false,
  });
  return { host, kube, deps, events, mountPoint };
}

/** `xfs_quota` calls made so far, as command lines. */
export function quotaCalls(host: FakeHost): string[] {
  return host.execCalls.filter((c) => c.command === "xfs_quota").map((c) => c.args.join(" "));
}
