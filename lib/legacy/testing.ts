/** DirectCSI fixtures: legacy CRDs, drives and volumes as DirectCSI v1beta5 wrote them. */
import type { AnyObject } from "../k8s/mod.ts";
import { LEGACY_GROUP } from "../types/mod.ts";
import type { DirectCSIDrive, DirectCSIVolume, LegacyDriveStatusFields } from "./types.ts";

/** The DirectCSI CRDs serving the given versions (the last is the storage version). */
export function legacyCrds(versions: string[] = ["v1beta3", "v1beta4", "v1beta5"]): AnyObject[] {
  return ["directcsidrives", "directcsivolumes"].map((plural) => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${LEGACY_GROUP}` },
    spec: {
      group: LEGACY_GROUP,
      names: { plural },
      scope: "Cluster",
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === versions.length - 1,
      })),
    },
  }));
}

/** A DirectCSIDrive. */
export function legacyDrive(
  name: string,
  status: LegacyDriveStatusFields,
  options: { finalizers?: string[]; labels?: Record<string, string>; version?: string } = {},
): DirectCSIDrive {
  return {
    apiVersion: `${LEGACY_GROUP}/${options.version ?? "v1beta5"}`,
    kind: "DirectCSIDrive",
    metadata: {
      name,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.finalizers ? { finalizers: options.finalizers } : {}),
    },
    status,
  };
}

/** A DirectCSIVolume on a legacy drive. */
export function legacyVolume(
  name: string,
  drive: string,
  options: { staged?: boolean; published?: boolean; labels?: Record<string, string> } = {},
): DirectCSIVolume {
  return {
    apiVersion: `${LEGACY_GROUP}/v1beta5`,
    kind: "DirectCSIVolume",
    metadata: {
      name,
      labels: { [`${LEGACY_GROUP}/drive-path`]: "sdb", ...options.labels },
      finalizers: [`${LEGACY_GROUP}/pv-protection`, `${LEGACY_GROUP}/purge-protection`],
    },
    status: {
      drive,
      nodeName: "node1",
      hostPath: `/var/lib/direct-csi/mnt/${drive}/${name}`,
      stagingPath: options.staged || options.published ? `/staging/${name}` : "",
      containerPath: options.published ? `/pods/${name}` : "",
      totalCapacity: 2 ** 30,
      availableCapacity: 2 ** 29,
      usedCapacity: 2 ** 29,
    },
  };
}
