/** The CSIDriver and StorageClass objects (reference §5), plus their legacy twins. */
import { LABELS, LEGACY_IDENTITY } from "../types/mod.ts";
import { type InstallArgs, tracksCapacity } from "./args.ts";
import { defaultLabels, FOREGROUND_DELETION, IDENTITY } from "./common.ts";
import type { CSIDriver, StorageClass } from "./k8s_objects.ts";

/** `storage.k8s.io/v1`, or v1beta1 where the API predates it (CSIDriver < 1.19, SC < 1.16). */
function storageApiVersion(args: Pick<InstallArgs, "kubeVersion">, firstV1Minor: number): string {
  const { major, minor } = args.kubeVersion;
  return major >= 1 && minor < firstV1Minor ? "storage.k8s.io/v1beta1" : "storage.k8s.io/v1";
}

/**
 * CSIDriver `directpv-min-io` (or the legacy `direct-csi-min-io`). With capacity tracking it
 * sets `storageCapacity`, so the scheduler only picks nodes whose CSIStorageCapacity fits the
 * claim; the legacy driver never publishes capacity.
 */
export function csiDriverObject(
  args: Pick<InstallArgs, "kubeVersion" | "capacityTracking">,
  options: { legacy?: boolean } = {},
): CSIDriver {
  const capacity = !options.legacy && tracksCapacity(args);
  return {
    apiVersion: storageApiVersion(args, 19),
    kind: "CSIDriver",
    metadata: { name: options.legacy ? LEGACY_IDENTITY : IDENTITY, labels: defaultLabels() },
    spec: {
      podInfoOnMount: true,
      attachRequired: false,
      volumeLifecycleModes: ["Persistent", "Ephemeral"],
      ...(capacity ? { storageCapacity: true } : {}),
    },
  };
}

/**
 * StorageClass `directpv-min-io`: WaitForFirstConsumer, expandable, xfs, restricted to the
 * DirectPV identity topology. The legacy class `direct-csi-min-io` has the same provisioner.
 */
export function storageClassObject(
  args: Pick<InstallArgs, "kubeVersion">,
  options: { legacy?: boolean } = {},
): StorageClass {
  return {
    apiVersion: storageApiVersion(args, 16),
    kind: "StorageClass",
    metadata: {
      name: options.legacy ? LEGACY_IDENTITY : IDENTITY,
      labels: defaultLabels(),
      finalizers: [FOREGROUND_DELETION],
    },
    provisioner: IDENTITY,
    parameters: { "csi.storage.k8s.io/fstype": "xfs" },
    reclaimPolicy: "Delete",
    allowVolumeExpansion: true,
    volumeBindingMode: "WaitForFirstConsumer",
    allowedTopologies: [{
      matchLabelExpressions: [{ key: LABELS.identity, values: [IDENTITY] }],
    }],
  };
}
