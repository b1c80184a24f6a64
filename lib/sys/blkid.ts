/**
 * util-linux's libblkid through Deno's FFI: the low-level probe `blkid -p` runs (no cache, no
 * udev), in process. One probe opens the device read-only, runs every superblock prober
 * (filesystems, RAID members, volume managers, caches, encryption) and every partition-table
 * prober, and reports blkid's NAME=value results. Spawning `blkid -p` per device costs about
 * 9 ms a device here, libblkid in process about 0.4 ms; `blkid -p` with several devices stops
 * at the first one that holds nothing, so it cannot be batched.
 *
 * The probing calls run on Deno's blocking thread pool (`nonblocking`), so a slow disk does not
 * stall the event loop. Each call uses its own probe object; libblkid keeps no shared state
 * between probes.
 */
import { NotFoundError, PermissionDeniedError, UnavailableError } from "../errors/mod.ts";
import type { SignatureProbe, SignatureProber } from "./host.ts";

/** The shared object every util-linux since 2.15 ships (`libblkid1` in Debian). */
export const LIBBLKID = "libblkid.so.1";

// Superblock-chain flags (blkid.h): LABEL, UUID, TYPE, SECTYPE, USAGE, VERSION, as `blkid -p`.
const SUBLKS_FLAGS = (1 << 1) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8);
const PROBE_FOUND = 0;
const PROBE_NOTHING = 1;
const PROBE_AMBIVALENT = -2;

const SYMBOLS = {
  blkid_new_probe_from_filename: { parameters: ["buffer"], result: "pointer", nonblocking: true },
  blkid_free_probe: { parameters: ["pointer"], result: "void" },
  blkid_reset_probe: { parameters: ["pointer"], result: "void" },
  blkid_probe_enable_superblocks: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_probe_set_superblocks_flags: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_probe_enable_partitions: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_probe_set_partitions_flags: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_do_safeprobe: { parameters: ["pointer"], result: "i32", nonblocking: true },
  blkid_do_probe: { parameters: ["pointer"], result: "i32", nonblocking: true },
  blkid_probe_numof_values: { parameters: ["pointer"], result: "i32" },
  blkid_probe_get_value: {
    parameters: ["pointer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
} as const;

type Blkid = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

const utf8 = new TextDecoder();

function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

/** The NAME=value results of the probe's last step. */
function readValues(lib: Blkid, probe: Deno.PointerObject): Record<string, string> {
  const out: Record<string, string> = {};
  const name = new BigUint64Array(1);
  const data = new BigUint64Array(1);
  const length = new BigUint64Array(1);
  const count = lib.blkid_probe_numof_values(probe);
  for (let i = 0; i < count; i++) {
    if (lib.blkid_probe_get_value(probe, i, name, data, length) !== 0) continue;
    const namePtr = Deno.UnsafePointer.create(name[0] ?? 0n);
    const dataPtr = Deno.UnsafePointer.create(data[0] ?? 0n);
    if (!namePtr || !dataPtr) continue;
    const size = Number(length[0] ?? 0n);
    const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(dataPtr, size));
    const end = size > 0 && bytes[size - 1] === 0 ? size - 1 : size;
    out[Deno.UnsafePointerView.getCString(namePtr)] = utf8.decode(bytes.subarray(0, end));
  }
  return out;
}

/** Every signature `blkid_do_probe` finds, one step at a time (as wipefs lists them). */
async function listSignatures(lib: Blkid, probe: Deno.PointerObject): Promise<string[]> {
  lib.blkid_reset_probe(probe);
  const types: string[] = [];
  while ((await lib.blkid_do_probe(probe)) === PROBE_FOUND) {
    const values = readValues(lib, probe);
    const type = values.TYPE ?? values.PTTYPE;
    if (type && !types.includes(type)) types.push(type);
  }
  return types;
}

/** Why a device could not be opened, from Deno's own open of it. */
async function openError(path: string): Promise<Error> {
  try {
    using _file = await Deno.open(path, { read: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const message = `Cannot probe "${path}": ${reason}`;
    if (err instanceof Deno.errors.NotFound) return new NotFoundError(message, { cause: err });
    if (err instanceof Deno.errors.PermissionDenied) {
      return new PermissionDeniedError(message, { cause: err });
    }
    return new UnavailableError(message, { cause: err });
  }
  return new UnavailableError(`Cannot probe "${path}": libblkid cannot open it`);
}

/** libblkid's low-level probe, loaded on first use. */
class LibBlkid implements SignatureProber {
  #lib: Blkid | Error | undefined;

  #load(): Blkid {
    if (this.#lib === undefined) {
      try {
        this.#lib = Deno.dlopen(LIBBLKID, SYMBOLS).symbols;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.#lib = new UnavailableError(`Cannot load "${LIBBLKID}": ${reason}`, { cause: err });
      }
    }
    if (this.#lib instanceof Error) throw this.#lib;
    return this.#lib;
  }

  async probe(path: string): Promise<SignatureProbe> {
    const lib = this.#load();
    const probe = await lib.blkid_new_probe_from_filename(cString(path));
    if (!probe) throw await openError(path);
    try {
      lib.blkid_probe_enable_superblocks(probe, 1);
      lib.blkid_probe_set_superblocks_flags(probe, SUBLKS_FLAGS);
      lib.blkid_probe_enable_partitions(probe, 1);
      lib.blkid_probe_set_partitions_flags(probe, 0);
      const rc = await lib.blkid_do_safeprobe(probe);
      if (rc === PROBE_FOUND) return { outcome: "found", values: readValues(lib, probe) };
      if (rc === PROBE_NOTHING) return { outcome: "nothing" };
      if (rc === PROBE_AMBIVALENT) {
        return { outcome: "ambivalent", types: await listSignatures(lib, probe) };
      }
      throw new UnavailableError(`Cannot probe "${path}": libblkid could not read it`);
    } finally {
      lib.blkid_free_probe(probe);
    }
  }
}

const shared = new LibBlkid();

/** The process-wide libblkid prober (the library is loaded once, on the first probe). */
export function libblkid(): SignatureProber {
  return shared;
}
