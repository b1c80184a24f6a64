/**
 * Checks of the parts of CSI requests shared by the Controller and Node services: volume
 * capabilities (access mode, access type, filesystem type) and capacity ranges.
 */
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import {
  type CapacityRange,
  type VolumeCapability,
  VolumeCapability_AccessMode_Mode as Mode,
} from "../../proto/mod.ts";

/** The filesystem every volume has; an empty `fs_type` means this one. */
export const FS_TYPE = "xfs";

/** Access modes of a volume used from one node at a time: the only ones served. */
const SINGLE_NODE_MODES: ReadonlySet<Mode> = new Set([
  Mode.SINGLE_NODE_WRITER,
  Mode.SINGLE_NODE_READER_ONLY,
  Mode.SINGLE_NODE_SINGLE_WRITER,
  Mode.SINGLE_NODE_MULTI_WRITER,
]);

/** The enum name of an access mode (`MULTI_NODE_MULTI_WRITER`), as DirectPV prints it. */
export function accessModeName(mode: Mode | undefined): string {
  return Mode[mode ?? Mode.UNKNOWN] ?? String(mode);
}

/**
 * Why a capability cannot be served, or undefined when it can: a single-node access mode with
 * a block access type, or a mount access type of xfs. Wording follows DirectPV for the access
 * mode and filesystem type.
 */
export function capabilityProblem(volumeId: string, cap: VolumeCapability): string | undefined {
  const mode = cap.accessMode?.mode;
  if (mode === undefined || !SINGLE_NODE_MODES.has(mode)) {
    return `unsupported access mode ${accessModeName(mode)} for volume ${volumeId}`;
  }
  if (cap.block !== undefined) return undefined;
  if (cap.mount === undefined) {
    return `Cannot serve volume "${volumeId}": the volume capability has no access type`;
  }
  const fsType = cap.mount.fsType;
  if (fsType !== "" && fsType.toLowerCase() !== FS_TYPE) {
    return `unsupported filesystem type ${fsType} for volume ${volumeId}`;
  }
  return undefined;
}

/**
 * Requires one or more capabilities, every one servable.
 *
 * @throws {InvalidArgumentError} when none is given or one cannot be served
 */
export function requireCapabilities(
  volumeId: string,
  caps: readonly VolumeCapability[],
): void {
  if (caps.length === 0) {
    throw new InvalidArgumentError(`Volume capabilities are missing for volume "${volumeId}"`);
  }
  for (const cap of caps) requireCapability(volumeId, cap);
}

/**
 * Requires a servable capability.
 *
 * @throws {InvalidArgumentError} when it is missing or cannot be served
 */
export function requireCapability(volumeId: string, cap: VolumeCapability | undefined): void {
  if (cap === undefined) {
    throw new InvalidArgumentError(`Volume capability is missing for volume "${volumeId}"`);
  }
  const problem = capabilityProblem(volumeId, cap);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
}

/**
 * The smallest volume served, 1 MiB: an XFS project quota is counted in filesystem blocks,
 * and a volume of a few bytes could not hold a single file.
 */
export const MIN_VOLUME_SIZE = 1024 * 1024;

/** A capacity range reduced to what we use; a zero bound means "no bound". */
export interface SizeRange {
  /** Bytes the volume needs at least; undefined when not given. */
  requiredBytes?: number;
  /** Bytes the volume may have at most; undefined when not given. */
  limitBytes?: number;
}

/**
 * Reads a CSI capacity range.
 *
 * @throws {InvalidArgumentError} for negative bounds or a limit below the required size
 */
export function sizeRange(volumeId: string, range: CapacityRange | undefined): SizeRange {
  if (range === undefined) return {};
  const { requiredBytes, limitBytes } = range;
  if (requiredBytes < 0 || limitBytes < 0) {
    throw new InvalidArgumentError(`Capacity range of volume "${volumeId}" is negative`);
  }
  if (limitBytes > 0 && requiredBytes > limitBytes) {
    throw new InvalidArgumentError(
      `Required bytes ${requiredBytes} exceed limit bytes ${limitBytes} for volume "${volumeId}"`,
    );
  }
  return {
    ...(requiredBytes > 0 ? { requiredBytes } : {}),
    ...(limitBytes > 0 ? { limitBytes } : {}),
  };
}

/** Whether a size satisfies a range. */
export function fitsRange(size: number, range: SizeRange): boolean {
  return (range.requiredBytes === undefined || size >= range.requiredBytes) &&
    (range.limitBytes === undefined || size <= range.limitBytes);
}
