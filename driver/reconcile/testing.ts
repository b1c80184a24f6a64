/**
 * Test doubles for the reconcilers: a manual clock, an in-memory object source, fake XFS
 * superblocks and a fixture of FakeKube + FakeHost + Host-backed node operations.
 */
import { FakeKube } from "../../lib/k8s/testing.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import type { LogRecord } from "../../lib/log/mod.ts";
import { type FakeBlockDeviceSpec, FakeHost } from "../../lib/sys/testing.ts";
import { xfsSuperblockImage as xfsImage } from "../../lib/xfs/testing.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVVolume,
  type DriveStatus,
  FINALIZERS,
  KINDS,
  KUBELET_DIR,
  type KubeObject,
  LABELS,
  VERSION,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { EventRecorder } from "../events.ts";
import type { NodeContext } from "../node_context.ts";
import type { NodeDeps } from "./deps.ts";
import { newDrive } from "./drive_object.ts";
import { createNodeOps } from "./host_ops.ts";
import type { NodeOps } from "./node_ops.ts";
import type { ChangeType, ObjectSource } from "./controller.ts";
import type { Timers } from "./queue.ts";

/** Timers that fire only when the test advances the clock. */
export class ManualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();

  /** Milliseconds since the clock started. */
  get now(): number {
    return this.#now;
  }

  /** Delays of the timers still pending, in creation order. */
  get pendingDelays(): number[] {
    return [...this.#pending.values()].map((t) => t.at - this.#now);
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves the clock forward, firing due timers in time order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#pending.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = until;
  }
}

/** An object source backed by a map; tests change it with `put` and `remove`. */
export class MemorySource<T extends KubeObject> implements ObjectSource<T> {
  readonly #objects = new Map<string, T>();
  readonly #listeners = new Set<(type: ChangeType, object: T, previous?: T) => void>();

  constructor(objects: T[] = []) {
    for (const o of objects) this.#objects.set(o.metadata.name ?? "", o);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  get(name: string): T | undefined {
    return this.#objects.get(name);
  }

  subscribe(listener: (type: ChangeType, object: T, previous?: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds or replaces an object and notifies listeners. */
  put(object: T): void {
    const name = object.metadata.name ?? "";
    const previous = this.#objects.get(name);
    this.#objects.set(name, object);
    for (const l of this.#listeners) l(previous ? "update" : "add", object, previous);
  }

  /** Removes an object and notifies listeners. */
  remove(name: string): void {
    const previous = this.#objects.get(name);
    if (!previous) return;
    this.#objects.delete(name);
    for (const l of this.#listeners) l("delete", previous);
  }
}

/** Resolves after pending microtasks and already-due macrotasks have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A promise with its resolve function, to hold a handler in flight. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The node every fixture plays. */
export const NODE = "node1";

/**
 * A node context over the given fakes: node {@linkcode NODE} in the default rack, zone and
 * region, loop devices allowed, best-effort quota, unless `parts` says otherwise.
 */
export function testNodeContext(
  parts: Pick<NodeContext, "kube" | "host" | "logger" | "events"> & Partial<NodeContext>,
): NodeContext {
  return {
    nodeId: NODE,
    identity: "directpv-min-io",
    topology: { rack: "default", zone: "default", region: "default" },
    quota: "best-effort",
    allowLoop: true,
    kubeletDir: KUBELET_DIR,
    healthIntervalMs: 30_000,
    ...parts,
  };
}

/** FakeKube, FakeHost and the Host-backed operations of one node. */
export interface Fixture {
  kube: FakeKube;
  host: FakeHost;
  ops: NodeOps;
  deps: NodeDeps;
  logs: LogRecord[];
  /** Recorded Kubernetes events as `reason: message`. */
  events(): Promise<string[]>;
  /** mkfs.xfs calls so far. */
  mkfsCount(): number;
  /** Adds a disk; `uuid` gives it an XFS superblock with that FSUUID (`reflink` on it). */
  addDisk(
    spec: Partial<FakeBlockDeviceSpec> & { name: string; uuid?: string; reflink?: boolean },
  ): Promise<void>;
  /** Makes a disk vanish from sysfs and /dev. */
  removeDisk(name: string): Promise<void>;
  /** Stores a drive of this node. */
  seedDrive(fsuuid: string, init?: DriveInit): Promise<DirectPVDrive>;
  /** The stored drive. */
  drive(name: string): Promise<DirectPVDrive>;
  dispose(): Promise<void>;
}

/** Deviations from a default Ready drive. */
export interface DriveInit {
  deviceName?: string;
  status?: DriveStatus;
  volumes?: string[];
  allocated?: number;
  relabel?: boolean;
  labels?: Record<string, string>;
}

let nextMinor = 0;

/** Answers `mkfs.xfs` by writing a superblock with the requested UUID onto the device. */
function scriptMkfs(host: FakeHost): void {
  host.onExec("mkfs.xfs", async (call) => {
    const uuid = /uuid=([0-9a-f-]+)/.exec(call.args.join(" "))?.[1] ?? "";
    const name = (call.args.at(-1) ?? "").split("/").pop() ?? "";
    await host.writeDeviceImage(name, xfsImage({ uuid }));
    return {};
  });
}

/** Removes a fake disk's sysfs entries and device file. */
async function removeDisk(host: FakeHost, name: string): Promise<void> {
  const dir = /^(loop|dm-|md)/.test(name) ? "virtual" : "platform";
  for (const p of [`class/block/${name}`, `block/${name}`, `devices/${dir}/block/${name}`]) {
    await host.fs.remove(host.paths.sys(p), { recursive: true });
  }
  await host.fs.remove(host.paths.dev(name));
}

/** Builds a fixture; every disk is a loop device unless named otherwise. */
export async function createFixture(): Promise<Fixture> {
  const kube = new FakeKube();
  const host = await FakeHost.create();
  await host.setXfsQuotaSupport({ supported: false });
  scriptMkfs(host);
  // The health probe's direct read of a device succeeds unless a test scripts a failure.
  host.onExec("dd", {});
  const { logger, records } = captureLogger();
  const events = new EventRecorder(kube, { component: "directpv-driver", logger });
  const ctx = testNodeContext({ kube, host, logger, events });
  const ops = createNodeOps(ctx);
  const deps: NodeDeps = { ...ctx, ops };
  const fixture: Fixture = {
    kube,
    host,
    ops,
    deps,
    logs: records,
    events: async () =>
      (await kube.events.listAll({ namespace: "default" })).map((e) => `${e.reason}: ${e.message}`),
    mkfsCount: () => host.execCalls.filter((c) => c.command === "mkfs.xfs").length,
    addDisk: async ({ uuid, reflink, ...spec }) => {
      await host.addBlockDevice({
        majorMinor: `7:${nextMinor++}`,
        ...spec,
        ...(uuid ? { image: xfsImage({ uuid, ...(reflink ? { reflink } : {}) }) } : {}),
      });
    },
    removeDisk: (name) => removeDisk(host, name),
    seedDrive: (fsuuid, init = {}) => {
      const drive = newDrive({
        fsuuid,
        deviceName: init.deviceName ?? "loop0",
        make: "",
        totalCapacity: 262144 * 4096,
        freeCapacity: 262144 * 4096 - (init.allocated ?? 0),
        node: deps,
      });
      drive.status.status = init.status ?? "Ready";
      drive.status.allocatedCapacity = init.allocated ?? 0;
      if (init.relabel) drive.spec.relabel = true;
      drive.metadata.labels = { ...drive.metadata.labels, ...init.labels };
      drive.metadata.finalizers = [
        FINALIZERS.dataProtection,
        ...(init.volumes ?? []).map(volumeFinalizer),
      ];
      const [stored] = kube.seed(drive);
      return Promise.resolve(stored as DirectPVDrive);
    },
    drive: (name) => kube.drives.get(name),
    dispose: () => host.dispose(),
  };
  return fixture;
}

/** Runs `fn` with a fresh fixture and disposes of it afterwards. */
export async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const f = await createFixture();
  try {
    await fn(f);
  } finally {
    await f.dispose();
  }
}

/** A volume of this node on drive `fsuuid`. */
export function volumeOn(
  fsuuid: string,
  name: string,
  status: Partial<DirectPVVolume["status"]> = {},
): DirectPVVolume {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name,
      labels: {
        [LABELS.node]: NODE,
        [LABELS.drive]: fsuuid,
        [LABELS.driveName]: "loop0",
        [LABELS.version]: VERSION,
      },
      finalizers: [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: "",
      stagingTargetPath: "",
      targetPath: "",
      fsuuid,
      totalCapacity: 1024 ** 3,
      availableCapacity: 1024 ** 3,
      usedCapacity: 0,
      status: "Pending",
      ...status,
    },
  };
}
