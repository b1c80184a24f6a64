/**
 * Objects for dashboard tests, screenshots and benchmarks: the DirectPV CRDs, drives across
 * nodes (some Lost or failing), volumes with their PVs and pods, and events, created straight
 * through the API (no node servers needed: the dashboard only reads objects).
 */
import { AlreadyExistsError } from "../../lib/errors/mod.ts";
import { type AnyObject, type KubeClient, updateWithRetry } from "../../lib/k8s/mod.ts";
import { makeDrive } from "../../lib/admin/testing.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import {
  API_VERSION,
  type DirectPVDrive,
  type DirectPVVolume,
  type DriveStatus,
  FINALIZERS,
  KINDS,
  LABELS,
} from "../../lib/types/mod.ts";
import { waitFor } from "../lib/mod.ts";

const GiB = 1024 ** 3;

/** Creates the DirectPV CRDs (if missing) and waits until they serve. */
export async function installCrds(kube: KubeClient): Promise<void> {
  for (const crd of crdObjects()) {
    await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
  await waitFor(async () => {
    await kube.drives.list({ limit: 1 });
    await kube.volumes.list({ limit: 1 });
    return true;
  }, { timeoutMs: 60_000, intervalMs: 250, description: "the DirectPV CRDs to serve" });
}

/** A drive object as a node server would have written it. */
export function driveObject(spec: {
  id: string;
  node: string;
  device: string;
  sizeGiB: number;
  allocatedGiB?: number;
  status?: DriveStatus;
  volumes?: string[];
  labels?: Record<string, string>;
}): DirectPVDrive {
  return makeDrive({
    id: spec.id,
    node: spec.node,
    name: spec.device,
    size: spec.sizeGiB * GiB,
    free: (spec.sizeGiB - (spec.allocatedGiB ?? 0)) * GiB,
    make: "QEMU HARDDISK",
    ...(spec.status ? { status: spec.status } : {}),
    ...(spec.volumes ? { volumes: spec.volumes } : {}),
    ...(spec.labels ? { labels: spec.labels } : {}),
  });
}

/** Marks a drive Error with an IOError condition, as the health check does. */
export async function failDrive(kube: KubeClient, id: string): Promise<void> {
  await updateWithRetry(kube.drives, id, (d) => {
    d.status.status = "Error";
    d.status.conditions = [{
      type: "IOError",
      status: "True",
      reason: "DriveHasIOError",
      message: "Drive has I/O error",
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    }];
  });
}

/** A volume, its PV (bound to a PVC) and the pod labels it gets at publish. */
async function createVolume(kube: KubeClient, drive: DirectPVDrive, name: string, i: number) {
  const node = drive.metadata.labels?.[LABELS.node] ?? "";
  const size = 8 * GiB;
  const volume: DirectPVVolume = {
    apiVersion: API_VERSION,
    kind: KINDS.volume,
    metadata: {
      name,
      labels: {
        [LABELS.node]: node,
        [LABELS.drive]: drive.metadata.name ?? "",
        [LABELS.driveName]: drive.metadata.labels?.[LABELS.driveName] ?? "",
        [LABELS.podName]: `minio-${i}`,
        [LABELS.podNamespace]: "tenant-a",
        [LABELS.version]: "v1beta1",
      },
      finalizers: [FINALIZERS.pvProtection, FINALIZERS.purgeProtection],
    },
    status: {
      dataPath: "",
      stagingTargetPath: "/var/lib/kubelet/plugins/x/globalmount",
      targetPath: "/var/lib/kubelet/pods/x/mount",
      fsuuid: drive.metadata.name ?? "",
      totalCapacity: size,
      availableCapacity: size - (i % 8) * GiB,
      usedCapacity: (i % 8) * GiB,
      status: "Ready",
    },
  };
  await kube.volumes.create(volume);
  await kube.persistentVolumes.create({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "8Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "directpv-min-io",
      claimRef: { name: `data-minio-${i}`, namespace: "tenant-a" },
      csi: { driver: "directpv-min-io", volumeHandle: name, fsType: "xfs" },
    },
  });
}

/** Records an event about a drive. */
export async function driveEvent(
  kube: KubeClient,
  drive: DirectPVDrive,
  event: { type: "Normal" | "Warning"; reason: string; message: string },
): Promise<void> {
  const now = new Date().toISOString();
  await kube.events.create({
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${drive.metadata.name}.${crypto.randomUUID().slice(0, 8)}`,
      namespace: "default",
    },
    involvedObject: { apiVersion: API_VERSION, kind: KINDS.drive, name: drive.metadata.name },
    ...event,
    source: { component: "directpv-min-io", host: drive.metadata.labels?.[LABELS.node] },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  }, { namespace: "default" });
}

/** Runs `fn` over `items`, `width` at a time. */
export async function inParallel<T>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  }));
}

/** What {@link seed} creates. */
export interface SeedSpec {
  nodes: number;
  drivesPerNode: number;
  /** One volume on each of the first this many drives. */
  volumes: number;
  /** Node names are `<prefix>01`, `<prefix>02`, ... (default `node-`). */
  nodePrefix?: string;
  /** Objects created at once (default 16). */
  parallel?: number;
}

/**
 * Creates `nodes × drivesPerNode` drives of 960 GiB to 3.75 TiB with varied allocation (about
 * one in a hundred Lost, one in five labelled `tier=fast`) and a volume with its PV on each
 * of the first `volumes` drives.
 */
export async function seed(kube: KubeClient, spec: SeedSpec): Promise<DirectPVDrive[]> {
  const drives: DirectPVDrive[] = [];
  for (let n = 0; n < spec.nodes; n++) {
    for (let d = 0; d < spec.drivesPerNode; d++) {
      const index = n * spec.drivesPerNode + d;
      const id = crypto.randomUUID();
      const volumes = index < spec.volumes ? [`pvc-${id.slice(0, 8)}`] : [];
      drives.push(driveObject({
        id,
        node: `${spec.nodePrefix ?? "node-"}${String(n + 1).padStart(2, "0")}`,
        device: `sd${String.fromCharCode(98 + (d % 24))}`,
        sizeGiB: [960, 1920, 3840][d % 3] as number,
        allocatedGiB: [120, 900, 1700, 3500][index % 4] as number %
          ([960, 1920, 3840][d % 3] as number),
        ...(index % 97 === 5 ? { status: "Lost" as const } : {}),
        volumes,
        ...(d % 5 === 0 ? { labels: { tier: "fast" } } : {}),
      }));
    }
  }
  await inParallel(drives, spec.parallel ?? 16, async (drive, i) => {
    await kube.drives.create(drive);
    const [volume] = (drive.metadata.finalizers ?? []).filter((f) =>
      f.startsWith(FINALIZERS.volumePrefix)
    );
    if (volume) await createVolume(kube, drive, volume.slice(FINALIZERS.volumePrefix.length), i);
  });
  return drives;
}
