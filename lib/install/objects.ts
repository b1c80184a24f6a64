/** Every object `install` applies, in apply order. */
import type { InstallArgs } from "./args.ts";
import { controllerDeployment } from "./controller.ts";
import { crdObjects } from "./crds.ts";
import type { InstallObject } from "./k8s_objects.ts";
import { nodeServerDaemonSet } from "./node_server.ts";
import { namespaceObject, rbacObjects } from "./rbac.ts";
import { csiDriverObject, storageClassObject } from "./storage.ts";
import { snapshotControllerDeployment, snapshotControllerRbac } from "./snapshot_controller.ts";
import { snapshotCrdObjects } from "./snapshot_crds.ts";

/**
 * The objects install applies, in DirectPV's order: Namespace → ServiceAccount, ClusterRole,
 * ClusterRoleBinding, Role, RoleBinding → 4 CRDs → CSIDriver → StorageClass → DaemonSet →
 * Deployment. In legacy mode each of the last four kinds is followed by its DirectCSI twin.
 * With `snapshotController: "yes"` the snapshot controller's RBAC follows ours, the
 * VolumeSnapshot CRDs follow ours, and its Deployment comes last.
 */
export function installObjects(args: InstallArgs): InstallObject[] {
  const legacy = args.legacy;
  const snapshots = args.snapshotController === "yes";
  return [
    namespaceObject(args),
    ...rbacObjects(args),
    ...(snapshots ? snapshotControllerRbac() : []),
    ...crdObjects(),
    ...(snapshots ? snapshotCrdObjects() : []),
    csiDriverObject(args),
    ...(legacy ? [csiDriverObject(args, { legacy })] : []),
    storageClassObject(args),
    ...(legacy ? [storageClassObject(args, { legacy })] : []),
    nodeServerDaemonSet(args),
    ...(legacy ? [nodeServerDaemonSet(args, { legacy })] : []),
    controllerDeployment(args),
    ...(legacy ? [controllerDeployment(args, { legacy })] : []),
    ...(snapshots ? [snapshotControllerDeployment(args)] : []),
  ];
}
