/** A Mounter over util-linux `mount`/`umount` and the mountinfo files. */
import { NotFoundError, PermissionDeniedError } from "../errors/mod.ts";
import type {
  BindOptions,
  CommandRunner,
  HostFs,
  HostPaths,
  Mounter,
  MountInfoEntry,
  MountOptions,
  UnmountOptions,
} from "./host.ts";
import { mergeMountInfo, parseMountInfo } from "./mountinfo.ts";

/** Arguments of `mount` for a filesystem mount. */
export function mountArgs(source: string, target: string, options: MountOptions = {}): string[] {
  const args: string[] = [];
  if (options.fsType) args.push("-t", options.fsType);
  if (options.options && options.options.length > 0) args.push("-o", options.options.join(","));
  return [...args, source, target];
}

/** Arguments of `umount`. */
export function unmountArgs(target: string, options: UnmountOptions = {}): string[] {
  return [...(options.force ? ["-f"] : []), ...(options.detach ? ["-l"] : []), target];
}

/** Reads one mountinfo file; a missing or unreadable one is an empty table. */
async function readTable(fs: HostFs, path: string): Promise<MountInfoEntry[]> {
  try {
    return parseMountInfo(await fs.readText(path));
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof PermissionDeniedError) return [];
    throw err;
  }
}

/** Reads `<proc>/self/mountinfo` merged with `<proc>/1/mountinfo`, duplicates removed. */
export async function readMountInfo(fs: HostFs, paths: HostPaths): Promise<MountInfoEntry[]> {
  const [self, init] = await Promise.all([
    readTable(fs, paths.proc("self", "mountinfo")),
    readTable(fs, paths.proc("1", "mountinfo")),
  ]);
  return mergeMountInfo(self, init);
}

/** Mounts through the `mount` and `umount` commands of util-linux. */
export class CommandMounter implements Mounter {
  readonly #exec: CommandRunner;
  readonly #fs: HostFs;
  readonly #paths: HostPaths;

  constructor(exec: CommandRunner, fs: HostFs, paths: HostPaths) {
    this.#exec = exec;
    this.#fs = fs;
    this.#paths = paths;
  }

  async mount(source: string, target: string, options: MountOptions = {}): Promise<void> {
    await this.#exec.run("mount", mountArgs(source, target, options), signalOf(options));
  }

  async bindMount(source: string, target: string, options: BindOptions = {}): Promise<void> {
    await this.#exec.run("mount", ["--bind", source, target], signalOf(options));
    if (options.readOnly) {
      await this.#exec.run("mount", ["-o", "remount,bind,ro", target], signalOf(options));
    }
  }

  async unmount(target: string, options: UnmountOptions = {}): Promise<void> {
    const table = await this.mountInfo();
    if (!table.some((e) => e.mountPoint === target)) return;
    await this.#exec.run("umount", unmountArgs(target, options), signalOf(options));
  }

  mountInfo(): Promise<MountInfoEntry[]> {
    return readMountInfo(this.#fs, this.#paths);
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
