/** How admin messages name drives and volumes (`node1/sdb`, `node1/pvc-…`). */
import { type DirectPVDrive, type DirectPVVolume, LABELS } from "../types/mod.ts";

/** The node a drive or volume belongs to, from its labels. */
export function nodeOf(object: DirectPVDrive | DirectPVVolume): string {
  return object.metadata.labels?.[LABELS.node] ?? "";
}

/** The device name a drive or volume is on, from its labels. */
export function deviceNameOf(object: DirectPVDrive | DirectPVVolume): string {
  return object.metadata.labels?.[LABELS.driveName] ?? "";
}

/** `<node>/<device name>` of a drive. */
export function describeDrive(drive: DirectPVDrive): string {
  return `${nodeOf(drive)}/${deviceNameOf(drive)}`;
}

/** `<node>/<volume name>` of a volume. */
export function describeVolume(volume: DirectPVVolume): string {
  return `${nodeOf(volume)}/${volume.metadata.name ?? ""}`;
}
