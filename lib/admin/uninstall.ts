/**
 * `uninstall` (reference §1.15): delete what install applied, workloads first. CRDs, drives
 * and volumes are kept unless `dangerous`, so a later install picks them up again. The
 * VolumeSnapshot CRDs install may have added are always kept: deleting them would delete
 * every VolumeSnapshot in the cluster, other drivers' included.
 */
import type { AnyObject, KubeClient, ResourceClient } from "../k8s/mod.ts";
import { NotFoundError } from "../errors/mod.ts";
import { defaultInstallArgs, installObjects, SNAPSHOT_GROUP } from "../install/mod.ts";
import type { KubeObject } from "../types/mod.ts";
import { clientFor, deleteIfExists } from "./apply.ts";
import { LIST_PAGE_SIZE } from "./listers.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";

/** Finalizer DirectPV once put on the controller Deployment. */
export const DELETE_PROTECTION_FINALIZER = "directpv-min-io/delete-protection";

/** Arguments of {@link uninstall}. */
export interface UninstallArgs extends WriteRunOptions {
  /** Also delete every DirectPV object and the CRDs. */
  dangerous?: boolean;
}

/** One object uninstall deleted. */
export interface RemovedObject {
  kind: string;
  name: string;
}

const ORDER = [
  "Deployment",
  "DaemonSet",
  "StorageClass",
  "CSIDriver",
  "CustomResourceDefinition",
  "RoleBinding",
  "Role",
  "ClusterRoleBinding",
  "ClusterRole",
  "ServiceAccount",
  "Namespace",
];

const isSnapshotApi = (object: AnyObject) =>
  object.kind === "CustomResourceDefinition" && object.spec?.group === SNAPSHOT_GROUP;

/**
 * Every object install may have applied (legacy twins and the snapshot controller included,
 * the VolumeSnapshot CRDs not), in deletion order.
 */
export function uninstallOrder(): AnyObject[] {
  const objects = installObjects({
    ...defaultInstallArgs("uninstall"),
    legacy: true,
    snapshotController: "yes",
  }) as unknown as AnyObject[];
  return objects.filter((o) => !isSnapshotApi(o)).sort((a, b) =>
    ORDER.indexOf(a.kind ?? "") - ORDER.indexOf(b.kind ?? "")
  );
}

async function stripAndDelete<T extends KubeObject>(
  resource: ResourceClient<T>,
  args: UninstallArgs,
): Promise<number> {
  let objects: T[];
  try {
    objects = await resource.listAll({ limit: LIST_PAGE_SIZE, ...signalOption(args.signal) });
  } catch (err) {
    if (err instanceof NotFoundError) return 0;
    throw err;
  }
  for (const object of objects) {
    const name = object.metadata.name ?? "";
    try {
      if ((object.metadata.finalizers ?? []).length > 0) {
        await resource.update(
          { ...object, metadata: { ...object.metadata, finalizers: [] } },
          writeOptions(args),
        );
      }
      await resource.delete(name, writeOptions(args));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return objects.length;
}

async function removeProtection(
  client: ResourceClient<AnyObject>,
  object: AnyObject,
  args: UninstallArgs,
): Promise<void> {
  const namespace = object.metadata.namespace;
  const opts = { ...(namespace ? { namespace } : {}), ...signalOption(args.signal) };
  try {
    const current = await client.get(object.metadata.name ?? "", opts);
    const finalizers = current.metadata.finalizers ?? [];
    if (!finalizers.includes(DELETE_PROTECTION_FINALIZER)) return;
    current.metadata.finalizers = finalizers.filter((f) => f !== DELETE_PROTECTION_FINALIZER);
    await client.update(current, { ...opts, ...writeOptions(args) });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

/**
 * Deletes the installed objects (missing ones are skipped). With `dangerous`, first strips
 * the finalizers of every snapshot, volume, drive, node and init request, deletes them, then
 * the CRDs.
 * Returns the objects that existed and were deleted.
 */
export async function uninstall(kube: KubeClient, args: UninstallArgs): Promise<RemovedObject[]> {
  const reporter = args.reporter ?? silentReporter;
  const removed: RemovedObject[] = [];
  const objects = uninstallOrder()
    .filter((o) => args.dangerous || o.kind !== "CustomResourceDefinition");
  reporter.begin?.(objects.length);
  try {
    let crsRemoved = false;
    for (const object of objects) {
      const key = `${object.kind}/${object.metadata.name}`;
      if (object.kind === "CustomResourceDefinition" && !crsRemoved) {
        const kinds = [kube.snapshots, kube.volumes, kube.drives, kube.nodes, kube.initRequests];
        for (const resource of kinds) {
          const count = await stripAndDelete(resource as ResourceClient<KubeObject>, args);
          if (count > 0) reporter.info(`Deleted ${count} ${resource.kind} object(s)`);
        }
        crsRemoved = true;
      }
      reporter.update?.(key, "active", `Deleting ${object.kind} ${object.metadata.name}`);
      const client = clientFor(kube, object);
      if (object.kind === "Deployment") await removeProtection(client, object, args);
      const namespace = object.metadata.namespace;
      const existed = await deleteIfExists(client, object.metadata.name ?? "", {
        ...(namespace ? { namespace } : {}),
        ...writeOptions(args),
        foreground: object.kind === "Namespace",
      });
      if (existed) removed.push({ kind: object.kind ?? "", name: object.metadata.name ?? "" });
      reporter.update?.(key, "done", `${object.kind} ${object.metadata.name} deleted`);
    }
  } finally {
    reporter.end?.();
  }
  return removed;
}
