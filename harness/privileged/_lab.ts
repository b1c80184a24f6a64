/**
 * Shared setup of the privileged tests: the root/tool gate (a failure under `CI=true`, a skip
 * with its reason otherwise) and `LoopLab`, which makes sparse images and loop devices in a
 * temp dir and removes all of it, mounts included, even when a test fails.
 */
import { parseMountInfo } from "../../lib/sys/mod.ts";

/** Commands the privileged tests run. */
export const REQUIRED_TOOLS = [
  "losetup",
  "partx",
  "mount",
  "umount",
  "mkfs.xfs",
  "mkfs.ext4",
  "sfdisk",
  "xfs_repair",
  "blkid",
];

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Why privileged tests cannot run here, or undefined when they can. */
export function privilegedSkipReason(): string | undefined {
  if (Deno.uid() !== 0) return "not running as root";
  const missing = REQUIRED_TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0) return `missing commands: ${missing.join(", ")}`;
  try {
    Deno.statSync("/dev/loop-control");
  } catch {
    return "no loop device support (/dev/loop-control is missing)";
  }
  return undefined;
}

/**
 * Registers a privileged test. When it cannot run: under `CI=true` it fails with the reason;
 * otherwise it is ignored with the reason in its name.
 */
export function privilegedTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  const reason = privilegedSkipReason();
  if (!reason) {
    Deno.test({ name, fn });
  } else if (Deno.env.get("CI") === "true") {
    Deno.test(name, () => {
      throw new Error(`Privileged test cannot run under CI=true: ${reason}`);
    });
  } else {
    Deno.test({ name: `${name} (skipped: ${reason})`, ignore: true, fn });
  }
}

/** Runs a command; throws with its stderr on failure. */
export async function sh(command: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${out.code}): ${text.decode(out.stderr)}`,
    );
  }
  return text.decode(out.stdout);
}

/** `/dev/loop7` → `loop7`. */
export function baseName(device: string): string {
  return device.split("/").pop() ?? device;
}

/** Sparse images and loop devices in a temp dir, all removed by `dispose()`. */
export class LoopLab {
  readonly dir: string;
  readonly #loops = new Set<string>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<LoopLab> {
    return new LoopLab(await Deno.makeTempDir({ prefix: "directpv-privileged-" }));
  }

  /** Creates a sparse file of `size` bytes. */
  async image(name: string, size: number): Promise<string> {
    const path = `${this.dir}/${name}.img`;
    using file = await Deno.open(path, { write: true, create: true });
    await file.truncate(size);
    return path;
  }

  /** Attaches `file` to a free loop device and returns its path (`/dev/loopN`). */
  async attach(
    file: string,
    options: { readOnly?: boolean; partScan?: boolean } = {},
  ): Promise<string> {
    const args = ["--find", "--show"];
    if (options.readOnly) args.push("--read-only");
    if (options.partScan) args.push("--partscan");
    const device = (await sh("losetup", ...args, file)).trim();
    this.#loops.add(device);
    // Kernels whose loop driver does not scan partitions get them through BLKPG instead.
    if (options.partScan) await sh("partx", "-a", device).catch(() => {});
    return device;
  }

  /** Detaches a loop device made by `attach`. */
  async detach(device: string): Promise<void> {
    await sh("losetup", "-d", device);
    this.#loops.delete(device);
  }

  /** Makes a directory under the lab dir. */
  async mkdir(name: string): Promise<string> {
    const path = `${this.dir}/${name}`;
    await Deno.mkdir(path, { recursive: true });
    return path;
  }

  /** Unmounts everything under the lab dir, detaches its loop devices, removes its files. */
  async dispose(): Promise<void> {
    const mounts = parseMountInfo(await Deno.readTextFile("/proc/self/mountinfo"))
      .map((m) => m.mountPoint)
      .filter((p) => p.startsWith(this.dir + "/"))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await sh("umount", "-l", m).catch(() => {});
    for (const loop of this.#loops) {
      await sh("partx", "-d", loop).catch(() => {});
      await sh("losetup", "-d", loop).catch(() => {});
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Reads up to `length` bytes at `offset` of an open file. */
async function readRange(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  await file.seek(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return buf.subarray(0, filled);
}

async function sha256(parts: readonly Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of the first `length` bytes of a device or file, hex. */
export async function checksum(path: string, length: number): Promise<string> {
  using file = await Deno.open(path, { read: true });
  return await sha256([await readRange(file, 0, length)]);
}

/** SHA-256 of a device's first `head` and last `tail` bytes, hex. */
export async function endsChecksum(path: string, head: number, tail: number): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const size = await file.seek(0, Deno.SeekMode.End);
  return await sha256([await readRange(file, 0, head), await readRange(file, size - tail, tail)]);
}
