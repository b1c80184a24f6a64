/**
 * The one seam for side effects on a node. Everything that touches the machine (files,
 * commands, mounts) goes through a Host; only `driver/main.ts` and `cli/main.ts` build the
 * real one, tests build a fake rooted in a temp directory.
 */

/** Host paths, all under one configurable root (`/` in production). */
export interface HostPaths {
  /** The root every path below is under. */
  readonly root: string;
  /** `<root>/sys/<parts>` */
  sys(...parts: string[]): string;
  /** `<root>/proc/<parts>` */
  proc(...parts: string[]): string;
  /** `<root>/dev/<parts>` */
  dev(...parts: string[]): string;
  /** `<root>/run/udev/data/<parts>` */
  udevData(...parts: string[]): string;
  /** `<root>/var/lib/directpv/<parts>` */
  app(...parts: string[]): string;
  /** `<root>/var/lib/direct-csi/<parts>` */
  legacyApp(...parts: string[]): string;
  /** Maps an absolute host path (as written in CRs and CSI requests) under the root. */
  host(absolutePath: string): string;
  /** The inverse of `host()`: the absolute host path of a mapped path (for CRs and logs). */
  unmap(mappedPath: string): string;
}

export interface ExecOptions {
  signal?: AbortSignal;
  stdin?: string;
  /** Return the result of a non-zero exit instead of throwing CommandError. */
  allowFailure?: boolean;
  env?: Record<string, string>;
  /** Called with each output line as it arrives (long-running commands such as `xfs_repair`). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs external commands. A non-zero exit throws CommandError unless `allowFailure`; an aborted
 * `signal` kills the child and throws DeadlineExceededError; a missing binary gives NotFoundError.
 */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** One line of `/proc/<pid>/mountinfo`. */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  /** `major:minor` of the mounted device. */
  majorMinor: string;
  /** Root of the mount within the filesystem (`/` or a bind-mounted subdirectory). */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

export interface MountOptions {
  /** Filesystem type (`xfs`, `tmpfs`). */
  fsType?: string;
  /** Generic options: `noatime`, `ro`, `prjquota`, `size=1`. */
  options?: string[];
  signal?: AbortSignal;
}

export interface BindOptions {
  readOnly?: boolean;
  signal?: AbortSignal;
}

export interface UnmountOptions {
  force?: boolean;
  detach?: boolean;
  signal?: AbortSignal;
}

/** Mounts and the mount table. Targets and sources are paths already mapped under the root. */
export interface Mounter {
  mount(source: string, target: string, options?: MountOptions): Promise<void>;
  bindMount(source: string, target: string, options?: BindOptions): Promise<void>;
  /** A no-op when nothing is mounted at `target`. */
  unmount(target: string, options?: UnmountOptions): Promise<void>;
  /** `/proc/self/mountinfo` merged with `/proc/1/mountinfo`, duplicates removed. */
  mountInfo(): Promise<MountInfoEntry[]>;
}

export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mode: number | null;
}

export interface FsUsage {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  totalInodes: number;
  freeInodes: number;
}

/**
 * File access. Paths are already mapped under the root. A missing path gives NotFoundError,
 * an existing one (mkdir without `recursive`, symlink) AlreadyExistsError, a refused one
 * PermissionDeniedError, anything else UnavailableError (see `isIoError()` for EIO).
 */
export interface HostFs {
  readText(path: string): Promise<string>;
  /**
   * Reads sysfs attribute files (at most a page each), in order: each entry is the file's
   * text, undefined when it does not exist, or the error `readText` would have thrown for
   * it. Cheaper per file than `readText`; optional, callers fall back to `readText`.
   */
  readAttributes?(paths: readonly string[]): Promise<(string | undefined | Error)[]>;
  /** Reads `length` bytes at `offset` (fewer at end of file). */
  readBytes(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Reads up to `target.length` bytes at `offset` into `target` (fewer at end of file) and
   * returns how many. Optional: it spares large reads a fresh buffer each (whose first touch
   * costs more than the read); callers fall back to `readBytes`.
   */
  readInto?(path: string, offset: number, target: Uint8Array): Promise<number>;
  writeText(path: string, text: string, options?: { mode?: number }): Promise<void>;
  mkdir(path: string, options?: { mode?: number; recursive?: boolean }): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** lstat; undefined when the path does not exist. */
  stat(path: string): Promise<FileInfo | undefined>;
  readDir(path: string): Promise<string[]>;
  readLink(path: string): Promise<string>;
  symlink(target: string, path: string): Promise<void>;
  /** Sets the permission bits of a path. */
  chmod(path: string, mode: number): Promise<void>;
  /** Creates `path` if missing and sets its length (sparse when growing). */
  truncate(path: string, length: number): Promise<void>;
  /** Filesystem usage of the filesystem holding `path` (statfs). */
  usage(path: string): Promise<FsUsage>;
}

/**
 * What libblkid's low-level probe (as `blkid -p` runs it: no cache, no udev) found on a device:
 * one result (`values` holds blkid's NAME=value pairs: TYPE, USAGE, UUID, LABEL, VERSION,
 * PTTYPE, PTUUID...), no known signature, or several signatures that contradict each other
 * (`types` lists them, as wipefs would).
 */
export type SignatureProbe =
  | { outcome: "found"; values: Record<string, string> }
  | { outcome: "nothing" }
  | { outcome: "ambivalent"; types: string[] };

/** Identifies what a device holds from its on-disk signatures. */
export interface SignatureProber {
  /**
   * Probes a block device (or an image file) for every filesystem, RAID, volume-manager,
   * cache, encryption and partition-table signature libblkid knows. A missing path gives
   * NotFoundError, a refused one PermissionDeniedError; a failed read or a library that
   * cannot be loaded gives UnavailableError.
   */
  probe(path: string): Promise<SignatureProbe>;
}

/** Everything the node side does to the machine. */
export interface Host {
  readonly paths: HostPaths;
  readonly exec: CommandRunner;
  readonly mounter: Mounter;
  readonly fs: HostFs;
  /** libblkid's low-level probe (lib/sys/blkid.ts), for real and fake hosts alike. */
  readonly blkid: SignatureProber;
}
