/**
 * What node fault scenarios do to the host: count mounts at a path, slow a process's writes
 * to some devices (a blkio cgroup, so a real mkfs.xfs is still writing when it is killed),
 * find a command running in a process's session, pull a loop drive out from under its mounts.
 */
import { join } from "node:path";
import { type LoopDrive, loopsOf, majorMinorOf, mountsOf } from "../loop/mod.ts";
import { run, waitFor } from "../lib/mod.ts";

/** How many mounts sit at exactly this path (stacked mounts count each). */
export async function mountCount(path: string): Promise<number> {
  const text = await Deno.readTextFile("/proc/self/mountinfo");
  return text.split("\n").filter((l) => l.split(" ")[4] === path).length;
}

/** Whether the device's XFS superblock says mkfs.xfs never finished (`sb_inprogress`). */
export async function unfinishedMkfs(device: string): Promise<boolean> {
  const file = await Deno.open(device, { read: true });
  try {
    const sb = new Uint8Array(512);
    const n = await file.read(sb);
    const magic = new TextDecoder().decode(sb.subarray(0, 4));
    // sb_inprogress is byte 126 of the on-disk superblock (xfs_format.h).
    return n === 512 && magic === "XFSB" && sb[126] !== 0;
  } finally {
    file.close();
  }
}

const BLKIO = "/sys/fs/cgroup/blkio";

/** A write throttle on some devices for one process and the children it starts. */
export interface Throttle {
  /**
   * Lifts the limits, puts whatever is left in the group back in the root group and removes
   * the group. Safe to call twice.
   */
  release(): Promise<void>;
}

/**
 * Moves `pid` into a fresh blkio cgroup that lets it (and the commands it runs from now on)
 * write only `bytesPerSecond` to each of `devices`.
 *
 * @throws {Error} when the host has no cgroup-v1 blkio hierarchy to throttle with
 */
export async function throttleWrites(
  pid: number,
  devices: readonly string[],
  bytesPerSecond: number,
): Promise<Throttle> {
  if (!(await Deno.stat(join(BLKIO, "cgroup.procs")).catch(() => undefined))) {
    throw new Error(`Cannot throttle writes: no blkio cgroup hierarchy at "${BLKIO}"`);
  }
  const group = join(BLKIO, `directpv-fault-${pid}`);
  await Deno.mkdir(group, { recursive: true });
  const limited: string[] = [];
  const release = async () => {
    // Lift the limits first: writes already queued (of a killed mkfs) then drain at once.
    for (const mm of limited.splice(0)) {
      await Deno.writeTextFile(join(group, "blkio.throttle.write_bps_device"), `${mm} 0`)
        .catch(() => {});
    }
    // A killed mkfs leaves the group only once its queued writes are done: retry a while.
    await waitFor(async () => {
      if (!(await Deno.stat(group).catch(() => undefined))) return true;
      const left = (await Deno.readTextFile(join(group, "cgroup.procs")).catch(() => ""))
        .split("\n").filter((l) => l !== "");
      for (const p of left) {
        await Deno.writeTextFile(join(BLKIO, "cgroup.procs"), p).catch(() => {});
      }
      return await Deno.remove(group).then(() => true, () => false);
    }, { timeoutMs: 30_000, intervalMs: 100, description: `cgroup "${group}" to be removed` });
  };
  try {
    for (const device of devices) {
      const mm = await majorMinorOf(device);
      if (!mm) throw new Error(`Cannot throttle "${device}": no such block device`);
      await Deno.writeTextFile(
        join(group, "blkio.throttle.write_bps_device"),
        `${mm} ${bytesPerSecond}`,
      );
      limited.push(mm);
    }
    await Deno.writeTextFile(join(group, "cgroup.procs"), String(pid));
  } catch (err) {
    await release();
    throw err;
  }
  return { release };
}

/** The PIDs of processes of session `sid` whose command name is `comm`. */
export async function sessionProcesses(sid: number, comm: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (open < 0 || close < 0 || stat.slice(open + 1, close) !== comm) continue;
    // Fields after the name: state, ppid, pgrp, session (stat(5)).
    const session = Number(stat.slice(close + 2).split(" ")[3]);
    if (session === sid) found.push(Number(entry.name));
  }
  return found;
}

/** Waits until a `comm` runs in session `sid`; returns its PIDs. */
export async function waitSessionCommand(
  sid: number,
  comm: string,
  timeoutMs = 60_000,
): Promise<number[]> {
  return await waitFor(async () => {
    const pids = await sessionProcesses(sid, comm);
    return pids.length > 0 ? pids : undefined;
  }, { timeoutMs, intervalMs: 20, description: `${comm} to run in session ${sid}` });
}

/** The mount points of a block device now, deepest first. */
export async function mountPointsOf(device: string): Promise<string[]> {
  const mm = await majorMinorOf(device);
  return mm ? (await mountsOf([mm])).map((m) => m.mountPoint) : [];
}

/**
 * Pulls a loop drive as a disk is pulled from a running node: the device is detached (the
 * kernel lets it go once its last user does) and every mount of it (the drive mount, the
 * volume's staging and pod bind mounts) is lazily dropped, as a dead disk's mounts become
 * useless. Keeps the backing file, so the drive can come back.
 */
export async function pullDrive(drive: LoopDrive): Promise<void> {
  const mm = await majorMinorOf(drive.device);
  if (!mm) throw new Error(`Cannot pull "${drive.device}": no such block device`);
  await run("losetup", ["--detach", drive.device], { allowFailure: true });
  await waitFor(async () => {
    for (const m of await mountsOf([mm])) {
      await run("umount", ["--lazy", m.mountPoint], { allowFailure: true });
    }
    return (await loopsOf(drive.backingFile)).length === 0;
  }, { timeoutMs: 30_000, intervalMs: 200, description: `"${drive.device}" to be gone` });
}
