/**
 * The drive health probe: what the node can see of a drive's trouble without udev.
 *
 * - **I/O errors on our own probes**: the first 4 KiB of the device are read with direct I/O
 *   (`dd iflag=direct`, so no page cache answers for a failing disk) and the drive's
 *   `.FSUUID.<uuid>` entry is stat-ed on its mount. A read that fails with EIO, or does not
 *   finish within the time limit, is an I/O error. A filesystem that answers EIO while its
 *   device reads fine has shut down (XFS does so after a failed log or metadata write).
 * - **Read-only**: the drive's mount is `ro` (a filesystem remounted read-only after errors)
 *   or the device's sysfs `ro` flag is set (a disk that went read-only, or was set so).
 * - **The kernel's error counter**: SCSI disks count failed commands in sysfs
 *   (`device/ioerr_cnt`); a rise since the previous check marks the drive for `errorHoldMs`.
 * - **SMART** through `smartctl` when it is installed (never for loop devices; a sleeping
 *   disk is not woken); a verdict is reused for `smartIntervalMs`.
 */
import {
  CommandError,
  DeadlineExceededError,
  errorMessage,
  ifFound,
  NotFoundError,
} from "../../lib/errors/mod.ts";
import { isLoopName, readAttr } from "../../lib/device/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { type ExecResult, type Host, isIoError } from "../../lib/sys/mod.ts";
import { drivePaths } from "../../lib/xfs/mod.ts";
import { parseSmartctl, smartctlArgs, type SmartVerdict } from "./smart.ts";

/** Trouble found on a drive, by kind; each message says what was seen. */
export interface HealthFindings {
  /** A probe read failed with EIO or hung. */
  ioError?: string;
  /** The filesystem or the device is read-only. */
  readOnly?: string;
  /** The kernel counted new I/O errors on the device. */
  deviceErrors?: string;
  /** SMART reports the device as failing. */
  smartFailing?: string;
  /** The device is smaller than the filesystem on it (never acted on, only reported). */
  deviceShrunk?: string;
}

/** The device a drive is on. */
export interface HealthTarget {
  /** Kernel name (`sdb`, `loop3`). */
  name: string;
  majorMinor: string;
}

/** Options of {@link DriveHealthProbe}. */
export interface HealthProbeOptions {
  logger: Logger;
  /** Time limit of one device read or SMART query (default 10 s). */
  timeoutMs?: number;
  /** How long a SMART verdict is reused (default 10 minutes). */
  smartIntervalMs?: number;
  /** How long a rise of the kernel's error counter keeps the drive marked (default 5 minutes). */
  errorHoldMs?: number;
  /** Milliseconds clock (tests pin it). */
  now?: () => number;
}

interface CounterState {
  count: number;
  /** When the counter last rose, and by how much. */
  rise?: { at: number; by: number };
}

/** The sysfs error counters of SCSI devices, summed: failed commands and timeouts. */
const ERROR_COUNTERS = ["ioerr_cnt", "iotmo_cnt"];

/** Reads a sysfs counter: decimal or `0x` hexadecimal (SCSI writes hex). */
export function parseCounter(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = text.startsWith("0x") ? parseInt(text.slice(2), 16) : Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The kernel's count of failed I/O on a device (SCSI `ioerr_cnt` + `iotmo_cnt` of the device,
 * or of the disk a partition is on); undefined where the kernel keeps none (loop, NVMe, virtio).
 */
export async function readDeviceErrorCount(host: Host, name: string): Promise<number | undefined> {
  const own = await sumCounters(host, host.paths.sys("class/block", name, "device"));
  if (own !== undefined) return own;
  // A partition's directory sits in its disk's: `class/block/sdb1` → `.../block/sdb/sdb1`.
  // Paths are normalised as text, so the disk's directory is taken from the link's target.
  const target = await ifFound(host.fs.readLink(host.paths.sys("class/block", name)));
  if (target === undefined) return undefined;
  const disk = target.split("/").slice(0, -1).join("/");
  return await sumCounters(host, host.paths.sys("class/block", disk, "device"));
}

async function sumCounters(host: Host, dir: string): Promise<number | undefined> {
  let total: number | undefined;
  for (const counter of ERROR_COUNTERS) {
    const n = parseCounter(await readAttr(host, `${dir}/${counter}`));
    if (n !== undefined) total = (total ?? 0) + n;
  }
  return total;
}

/** The kernel name of the device behind `maj:min` (`/sys/dev/block/<maj:min>` → `sdb`). */
export async function deviceNameOf(host: Host, majorMinor: string): Promise<string | undefined> {
  const target = await ifFound(host.fs.readLink(host.paths.sys("dev/block", majorMinor)));
  return target?.split("/").pop();
}

/** Races `work` against a timer; the loser is left to finish in the background. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceededError(`${what} did not finish within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Probes drives for trouble; keeps the per-device state the checks compare against. */
export class DriveHealthProbe {
  readonly #host: Host;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #smartIntervalMs: number;
  readonly #errorHoldMs: number;
  readonly #now: () => number;
  readonly #counters = new Map<string, CounterState>();
  readonly #smart = new Map<string, { at: number; verdict: SmartVerdict }>();
  /** Device reads still running (a hung device), by device number. */
  readonly #reads = new Map<string, Promise<string | undefined>>();
  #smartctlMissing = false;

  constructor(host: Host, options: HealthProbeOptions) {
    this.#host = host;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#smartIntervalMs = options.smartIntervalMs ?? 10 * 60_000;
    this.#errorHoldMs = options.errorHoldMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Checks the drive `fsuuid` on its device; an empty result means healthy. */
  async check(device: HealthTarget, fsuuid: string): Promise<HealthFindings> {
    const [deviceRead, fsRead, readOnly, deviceErrors, smart] = await Promise.all([
      this.readDevice(device),
      this.#statDrive(fsuuid),
      this.#readOnly(device, fsuuid),
      this.#deviceErrors(device),
      this.#smartVerdict(device),
    ]);
    const findings: HealthFindings = {};
    if (deviceRead) findings.ioError = deviceRead;
    else if (fsRead) {
      findings.ioError = `${fsRead} while the device reads fine: the filesystem has shut down; ` +
        "unmount its volumes and repair the drive";
    }
    if (readOnly) findings.readOnly = readOnly;
    if (deviceErrors) findings.deviceErrors = deviceErrors;
    if (smart?.kind === "failing") findings.smartFailing = smart.reason;
    return findings;
  }

  /**
   * Reads the device directly: a message for an I/O error or a hung read, else undefined.
   * Only an I/O error counts: a missing `dd` or another failure is logged and ignored.
   */
  async readDevice(device: HealthTarget): Promise<string | undefined> {
    const pending = this.#reads.get(device.majorMinor);
    if (pending) {
      return `Reading device "${device.name}" has not finished after ${this.#timeoutMs / 1000} s`;
    }
    const read = this.#ddRead(device.name);
    this.#reads.set(device.majorMinor, read);
    const done = () => this.#reads.delete(device.majorMinor);
    read.then(done, done);
    try {
      return await withTimeout(read, this.#timeoutMs, `Reading device "${device.name}"`);
    } catch (err) {
      return errorMessage(err);
    }
  }

  async #ddRead(name: string): Promise<string | undefined> {
    const path = this.#host.paths.dev(name);
    const args = [
      `if=${path}`,
      "of=/dev/null",
      "bs=4096",
      "count=1",
      "iflag=direct",
      "status=none",
    ];
    try {
      await this.#host.exec.run("dd", args);
      return undefined;
    } catch (err) {
      const text = err instanceof CommandError ? err.stderr : errorMessage(err);
      if (isIoError(err) || isIoError(new Error(text))) {
        return `Cannot read device "${name}": Input/output error`;
      }
      this.#logger.debug("Cannot probe device", { device: name, error: errorMessage(err) });
      return undefined;
    }
  }

  async #statDrive(fsuuid: string): Promise<string | undefined> {
    const { fsuuidLink } = drivePaths(this.#host, fsuuid);
    try {
      await this.#host.fs.stat(fsuuidLink);
      return undefined;
    } catch (err) {
      if (!isIoError(err)) throw err;
      return `I/O error on "${this.#host.paths.unmap(fsuuidLink)}"`;
    }
  }

  async #readOnly(device: HealthTarget, fsuuid: string): Promise<string | undefined> {
    const { mountPoint } = drivePaths(this.#host, fsuuid);
    const mount = (await this.#host.mounter.mountInfo()).find((m) => m.mountPoint === mountPoint);
    if (mount && (mount.superOptions.includes("ro") || mount.mountOptions.includes("ro"))) {
      return `Filesystem at "${this.#host.paths.unmap(mountPoint)}" is mounted read-only`;
    }
    const flag = await readAttr(this.#host, this.#host.paths.sys("class/block", device.name, "ro"));
    return flag === "1" ? `Device "${device.name}" is read-only` : undefined;
  }

  async #deviceErrors(device: HealthTarget): Promise<string | undefined> {
    const count = await readDeviceErrorCount(this.#host, device.name);
    if (count === undefined) return undefined;
    const now = this.#now();
    const state = this.#counters.get(device.majorMinor);
    const next: CounterState = { count, ...(state?.rise ? { rise: state.rise } : {}) };
    if (state && count > state.count) next.rise = { at: now, by: count - state.count };
    this.#counters.set(device.majorMinor, next);
    const rise = next.rise;
    if (!rise || now - rise.at > this.#errorHoldMs) return undefined;
    return `Device "${device.name}" reported ${rise.by} new I/O errors (${count} since boot)`;
  }

  async #smartVerdict(device: HealthTarget): Promise<SmartVerdict | undefined> {
    if (isLoopName(device.name) || this.#smartctlMissing) return undefined;
    const cached = this.#smart.get(device.majorMinor);
    const now = this.#now();
    if (cached && now - cached.at < this.#smartIntervalMs) return cached.verdict;
    const verdict = await this.#runSmartctl(device.name);
    if (verdict) this.#smart.set(device.majorMinor, { at: now, verdict });
    return verdict;
  }

  async #runSmartctl(name: string): Promise<SmartVerdict | undefined> {
    const args = smartctlArgs(this.#host.paths.dev(name));
    let result: ExecResult;
    try {
      const run = this.#host.exec.run("smartctl", args, { allowFailure: true });
      result = await withTimeout(run, this.#timeoutMs, `smartctl on "${name}"`);
    } catch (err) {
      if (err instanceof NotFoundError) return this.#noSmartctl();
      this.#logger.warn("Cannot query SMART health", { device: name, error: errorMessage(err) });
      return undefined;
    }
    // 127: the shell's "command not found", as a runner without the binary reports it.
    if (result.code === 127) return this.#noSmartctl();
    return parseSmartctl(result.stdout, result.code);
  }

  #noSmartctl(): undefined {
    this.#smartctlMissing = true;
    this.#logger.info("smartctl is not installed; SMART health is not checked");
    return undefined;
  }
}
