/**
 * The real Host: files through Deno's file APIs, commands through `Deno.Command`, mounts
 * through util-linux. Only `cli/main.ts`, `driver/main.ts` and privileged tests build one.
 */
import { CommandError, DeadlineExceededError, NotFoundError } from "../errors/mod.ts";
import type {
  CommandRunner,
  ExecOptions,
  ExecResult,
  FileInfo,
  FsUsage,
  Host,
  HostFs,
} from "./host.ts";
import { libblkid } from "./blkid.ts";
import { fsError } from "./io_error.ts";
import { CommandMounter } from "./mount.ts";
import { hostPaths, type HostPathsOptions } from "./paths.ts";
import { parseStatfs, STATFS_FORMAT } from "./statfs.ts";

/** Options of `createRealHost`. */
export interface RealHostOptions extends HostPathsOptions {
  /** Root of sysfs, procfs, /dev, /run/udev and (unless `appDir`) the app dir; `/` by default. */
  root?: string;
}

/** Builds the Host that acts on this machine. */
export function createRealHost(options: RealHostOptions = {}): Host {
  const paths = hostPaths(options.root ?? "/", options);
  const exec = new RealCommandRunner();
  const fs = new RealFs((path) => statfsUsage(exec, path), {
    syncPrefixes: [paths.sys(), paths.proc()],
  });
  return { paths, exec, fs, mounter: new CommandMounter(exec, fs, paths), blkid: libblkid() };
}

async function statfsUsage(exec: CommandRunner, path: string): Promise<FsUsage> {
  const result = await exec.run("stat", ["-f", "-c", STATFS_FORMAT, path]);
  return parseStatfs(result.stdout);
}

async function guard<T>(action: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsError(err, action, path);
  }
}

/** Options of `RealFs`. */
export interface RealFsOptions {
  /**
   * Directories whose files are read synchronously: sysfs and procfs attributes are made in
   * memory by the kernel and never wait on a disk, and a probe reads thousands of them, so
   * skipping the thread-pool round trip makes it several times faster.
   */
  syncPrefixes?: readonly string[];
}

function syncResult<T>(action: string, path: string, fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(fsError(err, action, path));
  }
}

/** Scratch buffer of `readAttributeSync`: larger than any sysfs attribute (one page). */
let attributeBuffer = new Uint8Array(8192);
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Reads a small kernel attribute file with one open, read and close: the kernel returns a
 * sysfs attribute whole in one read, so a read that leaves the buffer unfilled is the end.
 */
function readAttributeSync(path: string): string | undefined | Error {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? undefined : fsError(err, "read", path);
  }
  try {
    let filled = 0;
    for (;;) {
      const n = file.readSync(attributeBuffer.subarray(filled));
      if (n === null || n === 0) break;
      filled += n;
      if (filled < attributeBuffer.length) break;
      const grown = new Uint8Array(attributeBuffer.length * 2);
      grown.set(attributeBuffer);
      attributeBuffer = grown;
    }
    return utf8.decode(attributeBuffer.subarray(0, filled));
  } catch (err) {
    return fsError(err, "read", path);
  } finally {
    file.close();
  }
}

/** HostFs over Deno's file APIs; `usage` is injected (a command in production). */
export class RealFs implements HostFs {
  readonly #usage: (path: string) => Promise<FsUsage>;
  readonly #syncPrefixes: string[];

  constructor(usage: (path: string) => Promise<FsUsage>, options: RealFsOptions = {}) {
    this.#usage = usage;
    this.#syncPrefixes = (options.syncPrefixes ?? []).map((p) => p.endsWith("/") ? p : `${p}/`);
  }

  #sync(path: string): boolean {
    return this.#syncPrefixes.some((p) => path.startsWith(p));
  }

  readText(path: string): Promise<string> {
    if (this.#sync(path)) return syncResult("read", path, () => Deno.readTextFileSync(path));
    return guard("read", path, () => Deno.readTextFile(path));
  }

  async readAttributes(paths: readonly string[]): Promise<(string | undefined | Error)[]> {
    const out: (string | undefined | Error)[] = [];
    for (const path of paths) {
      if (this.#sync(path)) out.push(readAttributeSync(path));
      else {
        out.push(
          await this.readText(path).catch((err: Error) =>
            err instanceof NotFoundError ? undefined : err
          ),
        );
      }
    }
    return out;
  }

  async readBytes(path: string, offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const filled = await this.readInto(path, offset, out);
    return filled === length ? out : out.slice(0, filled);
  }

  readInto(path: string, offset: number, target: Uint8Array): Promise<number> {
    return guard("read", path, async () => {
      using file = await Deno.open(path, { read: true });
      if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < target.length) {
        const n = await file.read(target.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      return filled;
    });
  }

  writeText(path: string, text: string, options: { mode?: number } = {}): Promise<void> {
    return guard("write", path, async () => {
      // Created with the mode (no moment with wider permissions), then set past the umask.
      await Deno.writeTextFile(
        path,
        text,
        options.mode !== undefined ? { mode: options.mode } : {},
      );
      if (options.mode !== undefined) await Deno.chmod(path, options.mode);
    });
  }

  mkdir(path: string, options: { mode?: number; recursive?: boolean } = {}): Promise<void> {
    return guard("create directory", path, async () => {
      if (options.recursive && (await this.stat(path))?.isDirectory) return;
      await Deno.mkdir(path, { recursive: options.recursive ?? false });
      if (options.mode !== undefined) await Deno.chmod(path, options.mode);
    });
  }

  remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    return guard(
      "remove",
      path,
      () => Deno.remove(path, { recursive: options.recursive ?? false }),
    );
  }

  rename(from: string, to: string): Promise<void> {
    return guard("rename", from, () => Deno.rename(from, to));
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    try {
      const info = await Deno.lstat(path);
      return {
        isFile: info.isFile,
        isDirectory: info.isDirectory,
        isSymlink: info.isSymlink,
        size: info.size,
        mode: info.mode === null ? null : info.mode & 0o7777,
      };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw fsError(err, "stat", path);
    }
  }

  readDir(path: string): Promise<string[]> {
    if (this.#sync(path)) {
      return syncResult("list", path, () => Array.from(Deno.readDirSync(path), (e) => e.name));
    }
    return guard("list", path, async () => {
      const names: string[] = [];
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
      return names;
    });
  }

  readLink(path: string): Promise<string> {
    return guard("read link", path, () => Deno.readLink(path));
  }

  symlink(target: string, path: string): Promise<void> {
    return guard("create symlink", path, () => Deno.symlink(target, path));
  }

  chmod(path: string, mode: number): Promise<void> {
    return guard("change mode of", path, () => Deno.chmod(path, mode));
  }

  truncate(path: string, length: number): Promise<void> {
    return guard("truncate", path, async () => {
      using file = await Deno.open(path, { write: true, create: true });
      await file.truncate(length);
    });
  }

  usage(path: string): Promise<FsUsage> {
    return this.#usage(path);
  }
}

/** Runs commands with `Deno.Command`, streaming output lines to `onLine` when given. */
export class RealCommandRunner implements CommandRunner {
  async run(
    command: string,
    args: readonly string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const { signal } = options;
    const label = [command, ...args].join(" ");
    if (signal?.aborted) throw cancelled(label, signal);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command, {
        args: [...args],
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
        ...(options.env ? { env: options.env } : {}),
        ...(signal ? { signal } : {}),
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new NotFoundError(`Cannot run "${command}": command not found`, { cause: err });
      }
      throw fsError(err, "run", command);
    }
    if (options.stdin !== undefined) await writeStdin(child, options.stdin);
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout, "stdout", options.onLine),
      collect(child.stderr, "stderr", options.onLine),
      child.status,
    ]);
    if (signal?.aborted) throw cancelled(label, signal);
    if (status.code !== 0 && !options.allowFailure) {
      throw new CommandError({ command, args, code: status.code, stderr: stderr || stdout });
    }
    return { code: status.code, stdout, stderr };
  }
}

function cancelled(label: string, signal: AbortSignal): DeadlineExceededError {
  return new DeadlineExceededError(`Command "${label}" was cancelled`, { cause: signal.reason });
}

async function writeStdin(child: Deno.ChildProcess, text: string): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  } catch {
    // The child may exit without reading its input; its exit status tells the story.
  }
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  onLine?: (line: string, stream: "stdout" | "stderr") => void,
): Promise<string> {
  let text = "";
  let pending = "";
  const take = (chunk: string) => {
    text += chunk;
    if (!onLine) return;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line, name);
  };
  // A streaming TextDecoder rather than TextDecoderStream: the same code then type-checks
  // with the DOM types too, which the dashboard page is checked with.
  const decoder = new TextDecoder();
  for await (const bytes of stream) take(decoder.decode(bytes, { stream: true }));
  take(decoder.decode());
  if (onLine && pending !== "") onLine(pending, name);
  return text;
}
