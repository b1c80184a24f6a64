/** Drives for the controller benchmark, and the allocation check it ends with. */
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import { newVolume } from "../../driver/testing.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  KINDS,
  LABELS,
} from "../../lib/types/mod.ts";

const TIB = 1024 ** 4;
/** Concurrent creates while seeding: enough to keep the API server busy on two cores. */
const SEED_WRITERS = 32;

/** The node a benchmark drive or volume belongs to. */
export function benchNode(i: number, nodes: number): string {
  return `bench-node-${i % nodes}`;
}

function benchDrive(i: number, nodes: number): DirectPVDrive {
  const hex = i.toString(16).padStart(12, "0");
  const name = `00000000-0000-4000-8000-${hex}`;
  const node = benchNode(i, nodes);
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: {
      name,
      labels: {
        [LABELS.node]: node,
        [LABELS.accessTier]: "Default",
        [LABELS.driveName]: `sd${i}`,
      },
      finalizers: [FINALIZERS.dataProtection],
    },
    spec: {},
    status: {
      totalCapacity: 16 * TIB,
      allocatedCapacity: 0,
      freeCapacity: 16 * TIB,
      fsuuid: name,
      status: "Ready",
      topology: { [LABELS.node]: node },
    },
  };
}

/** A Ready volume of `size` bytes on `drive`, as CreateVolume writes it once it is staged. */
export function benchVolume(drive: DirectPVDrive, name: string, size: number): DirectPVVolume {
  const volume = newVolume(drive, { name, size });
  volume.metadata.labels = { ...volume.metadata.labels, [LABELS.accessTier]: "Default" };
  volume.status.status = "Ready";
  return volume;
}

/** Creates `count` Ready drives spread evenly over `nodes` nodes. */
export async function seedDrives(kube: KubeClient, count: number, nodes: number): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < count) await kube.drives.create(benchDrive(next++, nodes));
  };
  await Promise.all(Array.from({ length: Math.min(SEED_WRITERS, count) }, writer));
}

/** Which drives {@linkcode checkAllocation} looks at (every drive when unset). */
export interface AllocationScope {
  /** Only the drives carrying these labels (a shared cluster holds other runs' drives). */
  driveLabels?: Record<string, string>;
}

/**
 * What is wrong with the stored allocation: a drive allocating more than it has or other
 * than the sum of its volumes, a created volume held by no drive or by several.
 */
export async function checkAllocation(
  kube: KubeClient,
  created: ReadonlySet<string>,
  scope: AllocationScope = {},
): Promise<string[]> {
  const problems: string[] = [];
  const drives = await kube.drives.listAll(
    scope.driveLabels ? { labelSelector: scope.driveLabels } : {},
  );
  const volumes = await kube.volumes.listAll();
  const sizes = new Map(volumes.map((v) => [v.metadata.name ?? "", v.status.totalCapacity]));
  const holders = new Map<string, number>();
  for (const d of drives) {
    const held = (d.metadata.finalizers ?? []).filter((f) => f.startsWith(FINALIZERS.volumePrefix))
      .map((f) => f.slice(FINALIZERS.volumePrefix.length));
    const sum = held.reduce((n, v) => n + (sizes.get(v) ?? NaN), 0);
    for (const v of held) holders.set(v, (holders.get(v) ?? 0) + 1);
    const name = d.metadata.name;
    if (d.status.allocatedCapacity > d.status.totalCapacity) {
      problems.push(
        `drive ${name}: ${d.status.allocatedCapacity} bytes allocated of ${d.status.totalCapacity}`,
      );
    }
    if (d.status.allocatedCapacity !== sum) {
      problems.push(
        `drive ${name}: ${d.status.allocatedCapacity} bytes allocated, volumes sum to ${sum}`,
      );
    }
  }
  for (const id of created) {
    if (!sizes.has(id)) problems.push(`volume ${id}: created but not stored`);
    const n = holders.get(id) ?? 0;
    if (n !== 1) problems.push(`volume ${id}: held by ${n} drives`);
  }
  return problems;
}

/** Creates the DirectPV CRDs and waits until the API serves them. */
export async function installBenchCrds(kube: KubeClient): Promise<void> {
  for (const crd of crdObjects()) await kube.customResourceDefinitions.create(crd as AnyObject);
  for (let i = 0; i < 240; i++) {
    if (await kube.drives.list({ limit: 1 }).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the DirectPV CRDs were not served within a minute");
}
