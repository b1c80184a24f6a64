/**
 * `FakeHost` for unit tests: a real temp directory as the root, a scripted command runner
 * that records calls, and an in-memory mount table written to `proc/self/mountinfo` and
 * `proc/1/mountinfo` so the real parser runs. Fake sysfs trees come from `addBlockDevice`;
 * each device's `/dev` file is a sparse file as long as the device, probed by the real
 * libblkid (the tests need `--allow-ffi`).
 */
import { CommandError, DeadlineExceededError } from "../errors/mod.ts";
import { fakeBlockDeviceFiles, type FakeBlockDeviceSpec, type FakeFile } from "./fake_sysfs.ts";
import { libblkid } from "./blkid.ts";
import type {
  BindOptions,
  CommandRunner,
  ExecOptions,
  ExecResult,
  FsUsage,
  Host,
  HostPaths,
  Mounter,
  MountInfoEntry,
  MountOptions,
  SignatureProber,
  UnmountOptions,
} from "./host.ts";
import { MountShadows } from "./fake_mounts.ts";
import { formatMountInfo } from "./mountinfo.ts";
import { hostPaths, joinPath } from "./paths.ts";
import { RealFs } from "./real_host.ts";

export type { FakeBlockDeviceSpec, FakePartitionSpec } from "./fake_sysfs.ts";

/** One recorded command. */
export interface ExecCall {
  command: string;
  args: string[];
  stdin?: string;
}

/** Chooses which scripted response answers a command. */
export type ExecMatcher = string | RegExp | ((call: ExecCall) => boolean);
/** A scripted response: a result, or a function giving one (or throwing). */
export type ExecResponse =
  | Partial<ExecResult>
  | ((call: ExecCall) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

/** One recorded mounter call. */
export interface MountCall {
  kind: "mount" | "bind" | "unmount";
  source?: string;
  target: string;
  fsType?: string;
  options: string[];
}

const GIB = 1024 ** 3;
const DEFAULT_USAGE: FsUsage = {
  totalBytes: GIB,
  freeBytes: GIB,
  availableBytes: GIB,
  totalInodes: 1_000_000,
  freeInodes: 1_000_000,
};

/** Writes `bytes`, then extends the file with a hole to `size` bytes when given. */
async function writeSized(path: string, bytes: Uint8Array, size?: number): Promise<void> {
  await Deno.writeFile(path, bytes);
  if (size !== undefined && size > bytes.length) await Deno.truncate(path, size);
}

function matches(matcher: ExecMatcher, call: ExecCall): boolean {
  if (typeof matcher === "string") return matcher === call.command;
  if (matcher instanceof RegExp) return matcher.test([call.command, ...call.args].join(" "));
  return matcher(call);
}

function emitLines(text: string, stream: "stdout" | "stderr", options: ExecOptions): void {
  if (!options.onLine || text === "") return;
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) options.onLine(line, stream);
}

class FakeRunner implements CommandRunner {
  readonly calls: ExecCall[] = [];
  readonly scripts: { matcher: ExecMatcher; response: ExecResponse }[] = [];

  async run(command: string, args: readonly string[], options: ExecOptions = {}) {
    const label = [command, ...args].join(" ");
    if (options.signal?.aborted) {
      throw new DeadlineExceededError(`Command "${label}" was cancelled`);
    }
    const call: ExecCall = { command, args: [...args] };
    if (options.stdin !== undefined) call.stdin = options.stdin;
    this.calls.push(call);
    const script = [...this.scripts].reverse().find((s) => matches(s.matcher, call));
    const partial = script
      ? await (typeof script.response === "function" ? script.response(call) : script.response)
      : { code: 127, stderr: `${command}: command not scripted` };
    const result: ExecResult = {
      code: partial.code ?? 0,
      stdout: partial.stdout ?? "",
      stderr: partial.stderr ?? "",
    };
    emitLines(result.stdout, "stdout", options);
    emitLines(result.stderr, "stderr", options);
    if (result.code !== 0 && !options.allowFailure) {
      throw new CommandError({ command, args, code: result.code, stderr: result.stderr });
    }
    return result;
  }
}

/** A scripted command runner and an in-memory mount table over a temp root. */
export class FakeHost implements Host {
  readonly paths: HostPaths;
  readonly fs: RealFs;
  readonly exec: CommandRunner;
  readonly mounter: Mounter;
  readonly blkid: SignatureProber = libblkid();
  /** Every command run, in order. */
  readonly execCalls: ExecCall[];
  /** Every mount, bind and unmount asked for, in order. */
  readonly mountCalls: MountCall[] = [];
  readonly #runner: FakeRunner;
  readonly #usage = new Map<string, FsUsage>();
  readonly #mountHooks: ((call: MountCall) => void | Promise<void>)[] = [];
  #mounts: MountInfoEntry[] = [];
  #nextMountId = 100;
  #nextAnonMinor = 50;
  readonly #shadows: MountShadows;

  private constructor(root: string) {
    this.paths = hostPaths(root);
    this.#shadows = new MountShadows(joinPath(root, ".fake-mounts"));
    this.fs = new RealFs((path) => Promise.resolve(this.#usageOf(path)), {
      syncPrefixes: [this.paths.sys(), this.paths.proc()],
    });
    this.#runner = new FakeRunner();
    this.exec = this.#runner;
    this.execCalls = this.#runner.calls;
    this.mounter = {
      mount: (source, target, options) => this.#mount(source, target, options),
      bindMount: (source, target, options) => this.#bind(source, target, options),
      unmount: (target, options) => this.#unmount(target, options),
      mountInfo: () => Promise.resolve(this.mounts),
    };
  }

  /** Creates a FakeHost rooted in a new temp directory with empty proc files. */
  static async create(): Promise<FakeHost> {
    const host = new FakeHost(await Deno.makeTempDir({ prefix: "directpv-host-" }));
    for (const dir of ["sys/class/block", "sys/block", "dev", "proc/self", "proc/1"]) {
      await Deno.mkdir(joinPath(host.paths.root, dir), { recursive: true });
    }
    await host.setSwaps([]);
    await host.#writeMountInfo();
    return host;
  }

  /** Removes the temp root. */
  async dispose(): Promise<void> {
    await Deno.remove(this.paths.root, { recursive: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Answers commands matching `matcher` (later scripts win); unscripted commands exit 127. */
  onExec(matcher: ExecMatcher, response: ExecResponse = {}): void {
    this.#runner.scripts.push({ matcher, response });
  }

  /** Runs `hook` before every mount call; a hook that throws makes the call fail. */
  onMount(hook: (call: MountCall) => void | Promise<void>): void {
    this.#mountHooks.push(hook);
  }

  /** A copy of the fake mount table. */
  get mounts(): MountInfoEntry[] {
    return this.#mounts.map((m) => ({ ...m }));
  }

  /** Adds a mount that exists before the test (a device mounted elsewhere). */
  async addMount(entry: Partial<MountInfoEntry> & { mountPoint: string }): Promise<void> {
    this.#mounts.push({
      mountId: this.#nextMountId++,
      parentId: 1,
      majorMinor: "0:1",
      root: "/",
      mountOptions: ["rw"],
      fsType: "ext4",
      source: "none",
      superOptions: ["rw"],
      ...entry,
    });
    await this.#writeMountInfo();
  }

  /**
   * The directory holding the files on the filesystem of device `majorMinor` while it is not
   * mounted; they show under the mount point once it is mounted.
   */
  deviceFiles(majorMinor: string): Promise<string> {
    return this.#shadows.deviceDir(majorMinor);
  }

  /** Sets the usage reported for paths under `path`. */
  setUsage(path: string, usage: Partial<FsUsage>): void {
    this.#usage.set(path, { ...DEFAULT_USAGE, ...usage });
  }

  /** Creates the sysfs tree, udev data and `/dev` file of a block device. */
  async addBlockDevice(spec: FakeBlockDeviceSpec): Promise<void> {
    await this.writeFiles(fakeBlockDeviceFiles(spec));
  }

  /** Writes planned files under the root. */
  async writeFiles(files: readonly FakeFile[]): Promise<void> {
    for (const file of files) {
      const path = joinPath(this.paths.root, file.path);
      if ("dir" in file) {
        await Deno.mkdir(path, { recursive: true });
        continue;
      }
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      if ("symlink" in file) await Deno.symlink(file.symlink, path);
      else if ("bytes" in file) await writeSized(path, file.bytes, file.size);
      else await Deno.writeTextFile(path, file.text);
    }
  }

  /**
   * Replaces the contents of `/dev/<name>` with `bytes` (a superblock image) followed by zeros
   * up to the device's sysfs size, as writing to a real device would leave it.
   */
  async writeDeviceImage(name: string, bytes: Uint8Array): Promise<void> {
    const sectors = await Deno.readTextFile(this.paths.sys("class/block", name, "size"))
      .catch(() => undefined);
    const size = sectors === undefined ? undefined : Number(sectors.trim()) * 512;
    await writeSized(this.paths.dev(name), bytes, size);
  }

  /** Writes `/proc/swaps` listing `/dev/<name>` for each name. */
  async setSwaps(names: readonly string[]): Promise<void> {
    const lines = ["Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority"];
    for (const n of names) lines.push(`/dev/${n}\t\t\t\tpartition\t1048572\t\t0\t\t-2`);
    await Deno.writeTextFile(this.paths.proc("swaps"), lines.join("\n") + "\n");
  }

  /** Writes `/proc/sys/dev/cdrom/info` naming the given drives. */
  async setCdroms(names: readonly string[]): Promise<void> {
    await Deno.mkdir(this.paths.proc("sys/dev/cdrom"), { recursive: true });
    const text = `CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\n` +
      `drive name:\t\t${names.join("\t")}\ndrive speed:\t\t${names.map(() => "1").join("\t")}\n`;
    await Deno.writeTextFile(this.paths.proc("sys/dev/cdrom/info"), text);
  }

  /**
   * Simulates a kernel with or without XFS quota: writes `proc/fs/xfs/stat` (+`xqmstat` when
   * supported) and, when unsupported, fails every mount asking for `prjquota`.
   */
  async setXfsQuotaSupport({ supported }: { supported: boolean }): Promise<void> {
    await Deno.mkdir(this.paths.proc("fs/xfs"), { recursive: true });
    await Deno.writeTextFile(this.paths.proc("fs/xfs/stat"), "extent_alloc 0 0 0 0\n");
    if (supported) await Deno.writeTextFile(this.paths.proc("fs/xfs/xqmstat"), "0 0 0 0\n");
    else await Deno.remove(this.paths.proc("fs/xfs/xqmstat")).catch(() => {});
    if (supported) return;
    this.onMount((call) => {
      if (call.kind !== "mount" || !call.options.some((o) => /quota/.test(o))) return;
      throw new CommandError({
        command: "mount",
        args: [call.source ?? "", call.target],
        code: 32,
        stderr: `mount: ${call.target}: wrong fs type, bad option, bad superblock on ` +
          `${call.source}, missing codepage or helper program, or other error.`,
      });
    });
  }

  #usageOf(path: string): FsUsage {
    let best: [string, FsUsage] | undefined;
    for (const [prefix, usage] of this.#usage) {
      const inside = path === prefix ||
        path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
      if (inside && (!best || prefix.length > best[0].length)) best = [prefix, usage];
    }
    return best?.[1] ?? DEFAULT_USAGE;
  }

  async #writeMountInfo(): Promise<void> {
    const text = formatMountInfo(this.#mounts);
    await Deno.writeTextFile(this.paths.proc("self/mountinfo"), text);
    await Deno.writeTextFile(this.paths.proc("1/mountinfo"), text);
  }

  async #record(call: MountCall): Promise<void> {
    this.mountCalls.push(call);
    for (const hook of this.#mountHooks) await hook(call);
    if (call.kind === "unmount") return;
    try {
      await Deno.stat(call.target);
    } catch {
      throw new CommandError({
        command: "mount",
        args: [call.source ?? "", call.target],
        code: 32,
        stderr: `mount: ${call.target}: mount point does not exist.`,
      });
    }
  }

  async #majorMinorOf(source: string): Promise<string | undefined> {
    const name = source.split("/").pop() ?? "";
    try {
      return (await Deno.readTextFile(this.paths.sys("class/block", name, "dev"))).trim();
    } catch {
      return undefined;
    }
  }

  #containing(path: string): MountInfoEntry | undefined {
    let best: MountInfoEntry | undefined;
    for (const m of this.#mounts) {
      const inside = path === m.mountPoint || path.startsWith(m.mountPoint + "/");
      if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
    }
    return best;
  }

  async #mount(source: string, target: string, options: MountOptions = {}): Promise<void> {
    const opts = options.options ?? [];
    await this.#record({
      kind: "mount",
      source,
      target,
      fsType: options.fsType ?? "",
      options: opts,
    });
    const majorMinor = (await this.#majorMinorOf(source)) ?? `0:${this.#nextAnonMinor++}`;
    const readOnly = opts.includes("ro");
    const mountId = this.#nextMountId++;
    await this.#shadows.cover(target, mountId, majorMinor);
    this.#mounts.push({
      mountId,
      parentId: this.#containing(target)?.mountId ?? 1,
      majorMinor,
      root: "/",
      mountPoint: target,
      mountOptions: [readOnly ? "ro" : "rw", ...opts.filter((o) => o !== "ro" && o !== "rw")],
      fsType: options.fsType ?? "none",
      source,
      superOptions: [readOnly ? "ro" : "rw", ...opts.filter((o) => /quota/.test(o))],
    });
    await this.#writeMountInfo();
  }

  async #bind(source: string, target: string, options: BindOptions = {}): Promise<void> {
    const opts = options.readOnly ? ["bind", "ro"] : ["bind"];
    await this.#record({ kind: "bind", source, target, options: opts });
    if (!await Deno.stat(source).then(() => true, () => false)) {
      throw new CommandError({
        command: "mount",
        args: ["--bind", source, target],
        code: 32,
        stderr: `mount: ${target}: special device ${source} does not exist.`,
      });
    }
    // The kernel records the resolved path: `.FSUUID.<id>` (→ `.`) does not show in `root`.
    const real = await Deno.realPath(source).catch(() => source);
    const parent = this.#containing(source);
    const parentReal = parent ? await Deno.realPath(parent.mountPoint).catch(() => "") : "";
    const rel = parent && real.startsWith(parentReal)
      ? real.slice(parentReal.length)
      : parent
      ? source.slice(parent.mountPoint.length)
      : source;
    const mountId = this.#nextMountId++;
    await this.#shadows.cover(target, mountId);
    this.#mounts.push({
      mountId,
      parentId: this.#containing(target)?.mountId ?? 1,
      majorMinor: parent?.majorMinor ?? "0:1",
      root: joinPath(parent?.root ?? "/", rel),
      mountPoint: target,
      mountOptions: [options.readOnly ? "ro" : "rw"],
      fsType: parent?.fsType ?? "none",
      source: parent?.source ?? source,
      superOptions: parent?.superOptions ?? ["rw"],
    });
    await this.#writeMountInfo();
  }

  async #unmount(target: string, options: UnmountOptions = {}): Promise<void> {
    const opts = [...(options.force ? ["force"] : []), ...(options.detach ? ["detach"] : [])];
    const index = this.#mounts.findLastIndex((m) => m.mountPoint === target);
    if (index < 0) return;
    await this.#record({ kind: "unmount", target, options: opts });
    const [gone] = this.#mounts.splice(index, 1);
    if (gone) await this.#shadows.uncover(target, gone.mountId);
    await this.#writeMountInfo();
  }
}
