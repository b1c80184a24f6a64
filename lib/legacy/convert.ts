/**
 * Client-side upgrade of legacy objects to the v1beta5 shape (reference §6): device paths
 * under `/var/lib/direct-csi/devices/` become `/dev/` paths, and the labels later versions
 * carry are added.
 */
import { LEGACY_APP_ROOT_DIR, toLabelValue } from "../types/mod.ts";
import {
  type DirectCSIDrive,
  type DirectCSIVolume,
  LEGACY_LABELS,
  type LegacyVersion,
} from "./types.ts";

const DEVICES_DIR = `${LEGACY_APP_ROOT_DIR}/devices/`;

/**
 * Normalises a legacy device path: `/var/lib/direct-csi/devices/sdb-part-1` → `/dev/sdb1`,
 * `…/nvme0n1-part-2` → `/dev/nvme0n1p2`, `…/sdc` → `/dev/sdc`; other paths are kept.
 */
export function normalizeDevicePath(path: string): string {
  if (!path.startsWith(DEVICES_DIR)) return path;
  const name = path.slice(DEVICES_DIR.length);
  const m = /^(.*)-part-([0-9]+)$/.exec(name);
  if (!m) return `/dev/${name}`;
  const [, base = "", part = ""] = m;
  return `/dev/${base}${/[0-9]$/.test(base) ? "p" : ""}${part}`;
}

/** Upgrades a DirectCSIDrive read at `version` to the v1beta5 shape (a copy). */
export function upgradeDrive(drive: DirectCSIDrive, version: LegacyVersion): DirectCSIDrive {
  const out = structuredClone(drive);
  const status = out.status ?? {};
  out.status = status;
  if (version === "v1alpha1") status.accessTier = "Unknown";
  if (status.path) status.path = normalizeDevicePath(status.path);
  out.metadata.labels = {
    ...out.metadata.labels,
    [LEGACY_LABELS.node]: toLabelValue(status.nodeName ?? ""),
    [LEGACY_LABELS.path]: toLabelValue((status.path ?? "").replace(/^\/dev\//, "")),
    [LEGACY_LABELS.createdBy]: "directcsi-driver",
    [LEGACY_LABELS.accessTier]: status.accessTier ?? "Unknown",
  };
  return out;
}

/** Upgrades a DirectCSIVolume read at `version` to the v1beta5 shape (a copy). */
export function upgradeVolume(volume: DirectCSIVolume, _version: LegacyVersion): DirectCSIVolume {
  const out = structuredClone(volume);
  const labels = { ...out.metadata.labels };
  if (out.status?.nodeName && !labels[LEGACY_LABELS.node]) {
    labels[LEGACY_LABELS.node] = toLabelValue(out.status.nodeName);
  }
  labels[LEGACY_LABELS.createdBy] ??= "directcsi-controller";
  out.metadata.labels = labels;
  return out;
}
