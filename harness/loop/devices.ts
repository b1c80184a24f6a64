/**
 * What the kernel says about loop devices and mounts: the backing file of each attached loop
 * device (`/sys/block/loopN/loop/backing_file`), device numbers, holders (device-mapper
 * layered on top) and the mount table (`/proc/self/mountinfo`), and unmounting a tree.
 */
import { run } from "../lib/mod.ts";

/** An attached loop device. */
export interface AttachedLoop {
  /** `/dev/loopN` */
  device: string;
  /** Backing file path as the kernel reports it, without a ` (deleted)` suffix. */
  backingFile: string;
  /** The backing file was deleted while attached. */
  deleted: boolean;
}

const DELETED = " (deleted)";

async function readSys(path: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return undefined;
  }
}

/** Every attached loop device and its backing file. */
export async function attachedLoops(): Promise<AttachedLoop[]> {
  const out: AttachedLoop[] = [];
  for await (const entry of Deno.readDir("/sys/block")) {
    if (!/^loop\d+$/.test(entry.name)) continue;
    const raw = await readSys(`/sys/block/${entry.name}/loop/backing_file`);
    if (!raw) continue;
    const deleted = raw.endsWith(DELETED);
    out.push({
      device: `/dev/${entry.name}`,
      backingFile: deleted ? raw.slice(0, -DELETED.length) : raw,
      deleted,
    });
  }
  return out.sort((a, b) => a.device.localeCompare(b.device, "en", { numeric: true }));
}

/** Loop devices currently backed by `backingFile`. */
export async function loopsOf(backingFile: string): Promise<string[]> {
  return (await attachedLoops()).filter((l) => l.backingFile === backingFile).map((l) => l.device);
}

function blockName(device: string): string {
  return device.replace(/^\/dev\//, "");
}

/** `major:minor` of a block device, or undefined when it does not exist. */
export async function majorMinorOf(device: string): Promise<string | undefined> {
  return await readSys(`/sys/block/${blockName(device)}/dev`);
}

/** Whether the block device is read-only (`/sys/block/<name>/ro`). */
export async function isReadOnly(device: string): Promise<boolean> {
  return (await readSys(`/sys/block/${blockName(device)}/ro`)) === "1";
}

/** `major:minor` of the device and of every device stacked on it (device-mapper, md). */
export async function deviceTree(device: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const mm = await readSys(`/sys/class/block/${name}/dev`);
    if (mm) out.push(mm);
    try {
      for await (const h of Deno.readDir(`/sys/class/block/${name}/holders`)) await visit(h.name);
    } catch {
      // No holders directory: nothing stacked.
    }
  };
  await visit(blockName(device));
  return out;
}

/** One mount of the calling process's mount namespace. */
export interface Mount {
  majorMinor: string;
  mountPoint: string;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses `/proc/<pid>/mountinfo` text into device numbers and mount points. */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const majorMinor = fields[2];
    const mountPoint = fields[4];
    if (majorMinor === undefined || mountPoint === undefined) continue;
    out.push({ majorMinor, mountPoint: unescapeMountPath(mountPoint) });
  }
  return out;
}

/** Current mounts whose device number is in `majorMinors`, deepest mount point first. */
export async function mountsOf(majorMinors: readonly string[]): Promise<Mount[]> {
  const wanted = new Set(majorMinors);
  const mounts = parseMounts(await Deno.readTextFile("/proc/self/mountinfo"));
  return mounts.filter((m) => wanted.has(m.majorMinor)).sort((a, b) =>
    b.mountPoint.split("/").length - a.mountPoint.split("/").length ||
    b.mountPoint.length - a.mountPoint.length
  );
}

/** Mount points at or under `dir` in this mount namespace, deepest first, each once. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const points = parseMounts(await Deno.readTextFile("/proc/self/mountinfo"))
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything at or under `dir`, deepest first, lazily when a plain unmount fails.
 * Repeats a few rounds because propagation between shared mounts can add copies while it
 * works. Returns what is still mounted (empty when all went).
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (let round = 0; round < 5; round++) {
    const points = await mountsUnder(dir);
    if (points.length === 0) return [];
    for (const point of points) {
      const res = await run("umount", [point], { allowFailure: true });
      if (res.code !== 0) await run("umount", ["--lazy", point], { allowFailure: true });
    }
  }
  return await mountsUnder(dir);
}
