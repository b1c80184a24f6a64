/**
 * Device visibility filters. `loopBackingDirFilter` serves the test-cluster flag
 * `--loop-backing-dir DIR`: only loop devices whose backing file lies under DIR are visible,
 * so several simulated nodes can share one machine without seeing each other's drives.
 */
import { NotFoundError } from "../../lib/errors/mod.ts";
import { type Host, joinPath } from "../../lib/sys/mod.ts";
import type { DeviceFilter } from "../node_context.ts";

/** The partition's parent disk name (`loop3p1` → `loop3`), or the name itself. */
function loopDiskOf(name: string): string | undefined {
  return /^(loop\d+)(p\d+)?$/.exec(name)?.[1];
}

/** Visible: loop devices (and their partitions) backed by a file under `dir`; nothing else. */
export function loopBackingDirFilter(host: Host, dir: string): DeviceFilter {
  const base = joinPath("/", dir);
  return async (name) => {
    const disk = loopDiskOf(name);
    if (!disk) return false;
    let backing: string;
    try {
      backing = (await host.fs.readText(host.paths.sys("block", disk, "loop", "backing_file")))
        .trim();
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
    const file = joinPath("/", backing.replace(/ \(deleted\)$/, ""));
    return file.startsWith(base === "/" ? "/" : base + "/");
  };
}
