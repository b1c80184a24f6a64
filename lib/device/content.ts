/**
 * What a device holds, as libblkid's low-level probe identifies it, and what it means when
 * libblkid finds nothing: a device whose first and last MiB are all zero is empty; any other
 * device holds data we cannot name, which is never mistaken for emptiness.
 */
import { Buffer } from "node:buffer";
import { errorMessage } from "../errors/mod.ts";
import type { Host, SignatureProbe } from "../sys/mod.ts";
import { ambivalentData, UNRECOGNISED_DATA } from "../types/mod.ts";
import type { FsSignature, PartTableSignature } from "./superblock.ts";

/** The classified content of a device. */
export type DeviceContent =
  | { kind: "empty" }
  | { kind: "signature"; fs?: FsSignature; partTable?: PartTableSignature }
  | { kind: "unknown"; description: string }
  | { kind: "unreadable"; error: string };

/** How much of each end of a device must be zero for it to count as empty. */
export const EMPTY_CHECK_BYTES = 1024 * 1024;

const ZEROS = Buffer.alloc(EMPTY_CHECK_BYTES);

function allZero(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .equals(ZEROS.subarray(0, bytes.byteLength));
}

/** The signatures in libblkid's NAME=value results. */
export function signatureOf(values: Record<string, string>): DeviceContent {
  const out: { kind: "signature"; fs?: FsSignature; partTable?: PartTableSignature } = {
    kind: "signature",
  };
  if (values.TYPE) {
    const fs: FsSignature = { type: values.TYPE };
    if (values.UUID) fs.uuid = values.UUID;
    if (values.LABEL) fs.label = values.LABEL;
    if (values.USAGE) fs.usage = values.USAGE;
    out.fs = fs;
  }
  if (values.PTTYPE) {
    out.partTable = values.PTUUID
      ? { type: values.PTTYPE, uuid: values.PTUUID }
      : { type: values.PTTYPE };
  }
  return out.fs || out.partTable ? out : { kind: "unknown", description: UNRECOGNISED_DATA };
}

/**
 * Buffers of `EMPTY_CHECK_BYTES` lent to one zero check at a time, for the length of one
 * probe: a fresh 1 MiB buffer per read costs three times the read itself.
 */
export class ScratchBuffers {
  readonly #free: Uint8Array[] = [];

  async use<T>(fn: (buffer: Uint8Array) => Promise<T>): Promise<T> {
    const buffer = this.#free.pop() ?? new Uint8Array(EMPTY_CHECK_BYTES);
    try {
      return await fn(buffer);
    } finally {
      this.#free.push(buffer);
    }
  }
}

async function readRegion(
  host: Host,
  path: string,
  offset: number,
  target: Uint8Array,
): Promise<Uint8Array> {
  if (!host.fs.readInto) return await host.fs.readBytes(path, offset, target.length);
  return target.subarray(0, await host.fs.readInto(path, offset, target));
}

/**
 * Reads the first and last `EMPTY_CHECK_BYTES` of a device of `size` bytes: empty when all
 * are zero, unknown data otherwise. A short read is a read error, not zeros.
 */
export async function checkEmpty(
  host: Host,
  path: string,
  size: number,
  scratch = new ScratchBuffers(),
): Promise<DeviceContent> {
  const span = Math.min(EMPTY_CHECK_BYTES, size);
  const regions = size > span ? [0, size - span] : [0];
  return await scratch.use(async (buffer) => {
    for (const offset of regions) {
      const bytes = await readRegion(host, path, offset, buffer.subarray(0, span));
      if (bytes.length < span) {
        return { kind: "unreadable", error: `Short read of "${path}" at offset ${offset}` };
      }
      if (!allZero(bytes)) return { kind: "unknown", description: UNRECOGNISED_DATA };
    }
    return { kind: "empty" };
  });
}

function fromProbe(probe: SignatureProbe): DeviceContent | undefined {
  if (probe.outcome === "found") return signatureOf(probe.values);
  if (probe.outcome === "ambivalent") {
    return { kind: "unknown", description: ambivalentData(probe.types) };
  }
  return undefined;
}

/**
 * Identifies what the device at `path` (mapped under the host root) holds: libblkid's
 * signatures when it finds one, several contradicting ones as unknown data, and when it finds
 * none, the zero check of both ends. Errors become `unreadable`, never `empty`.
 *
 * @example await identifyContent(host, host.paths.dev("sdb"), 1024 ** 4)
 */
export async function identifyContent(
  host: Host,
  path: string,
  size: number,
  scratch?: ScratchBuffers,
): Promise<DeviceContent> {
  try {
    return fromProbe(await host.blkid.probe(path)) ?? await checkEmpty(host, path, size, scratch);
  } catch (err) {
    return { kind: "unreadable", error: errorMessage(err) };
  }
}
