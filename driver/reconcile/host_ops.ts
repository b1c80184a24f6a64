/** `NodeOps` over a Host, with lib/device for probing and lib/xfs for filesystems. */
import {
  describeDevice,
  type Device,
  indexByFsuuid,
  probeDevices,
  toNodeDevice,
} from "../../lib/device/mod.ts";
import { errorMessage, NotFoundError } from "../../lib/errors/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import { BLOCK_VOLUME_FILE } from "../../lib/types/mod.ts";
import {
  createVolumeDir,
  detachBlockFile,
  detectQuotaSupport,
  type DeviceState,
  drivePaths,
  ensureFsuuidLink,
  formatDrive,
  growXfs,
  limitArgs,
  mountDrive,
  probeXfs,
  projectId,
  setProjectQuota,
  volumeDataPath,
  writeDriveLayout,
  xfsDataSize,
} from "../../lib/xfs/mod.ts";
import {
  deviceNameOf,
  DriveHealthProbe,
  type HealthFindings,
  type HealthProbeOptions,
} from "./health_probe.ts";
import type { NodeContext } from "../node_context.ts";
import {
  COPY_PROGRESS_MS,
  type DriveCapacity,
  type DriveFit,
  type FormatOptions,
  GROW_THRESHOLD_BYTES,
  type NodeOps,
  type ProbedDevice,
  type ReflinkCopy,
  type RestageInput,
  type VolumeDataCopy,
} from "./node_ops.ts";
import { reflinkCopy, removeSnapshotData } from "./reflink_ops.ts";
import { copyTree, treeBytes, verifyCopy } from "./data_copy.ts";

/** What the node operations read of the node context. */
export type NodeOpsContext = Pick<
  NodeContext,
  "host" | "nodeId" | "allowLoop" | "quota" | "logger" | "deviceFilter"
>;

/** Tuning of `createNodeOps` beyond the node context. */
export interface NodeOpsTuning {
  /** Keep reflink on when formatting (default); false adds `-m reflink=0`. */
  reflink?: boolean;
  /** Tuning of the drive health probe. */
  health?: Omit<HealthProbeOptions, "logger">;
}

const FORCE_DETACH = { force: true, detach: true };

function capacityOf(sb: { uuid: string; totalCapacity: number; freeCapacity: number }) {
  return { fsuuid: sb.uuid, totalCapacity: sb.totalCapacity, freeCapacity: sb.freeCapacity };
}

function deviceState(d: Device): DeviceState {
  const state: DeviceState = {
    name: d.name,
    id: d.id,
    mountPoints: d.mountPoints,
    holders: d.holders,
    swapOn: d.swapOn,
    partitioned: d.partitioned,
    readOnly: d.readOnly,
    holds: describeDevice(d),
  };
  return state;
}

/** The Host-backed node operations of the node `ctx` describes. */
export function createNodeOps(ctx: NodeOpsContext, tuning: NodeOpsTuning = {}): NodeOps {
  return new HostNodeOps(ctx, tuning);
}

class HostNodeOps implements NodeOps {
  readonly #host: Host;
  readonly #options: NodeOpsContext;
  readonly #reflink: boolean | undefined;
  readonly #health: DriveHealthProbe;

  constructor(ctx: NodeOpsContext, tuning: NodeOpsTuning) {
    this.#host = ctx.host;
    this.#options = ctx;
    this.#reflink = tuning.reflink;
    this.#health = new DriveHealthProbe(ctx.host, { ...tuning.health, logger: ctx.logger });
  }

  async probeDevices(driveExists: (fsuuid: string) => boolean): Promise<ProbedDevice[]> {
    return (await this.#probe({ driveExists })).map(toNodeDevice);
  }

  async devicesByFsuuid(): Promise<Map<string, ProbedDevice[]>> {
    const allowLoop = this.#options.allowLoop;
    const devices = (await this.#probe({ content: "fsuuid" }))
      .filter((d) => allowLoop || !/^loop/.test(d.name));
    const out = new Map<string, ProbedDevice[]>();
    for (const [uuid, list] of indexByFsuuid(devices)) out.set(uuid, list.map(toNodeDevice));
    return out;
  }

  async format(device: ProbedDevice, o: FormatOptions): Promise<DriveCapacity> {
    const reflink = this.#reflink;
    const formatted = await formatDrive(this.#host, {
      device: device.name,
      expectedId: device.id,
      force: o.force,
      fsuuid: o.fsuuid,
      probe: async (name) => {
        const [found] = await this.#probe({ only: name });
        return found ? deviceState(found) : undefined;
      },
      ...(reflink === undefined ? {} : { reflink }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return capacityOf(formatted.superblock);
  }

  async readCapacity(deviceName: string): Promise<DriveCapacity> {
    return capacityOf(await probeXfs(this.#host, this.#host.paths.dev(deviceName)));
  }

  async unfinishedFormat(deviceName: string): Promise<boolean> {
    try {
      return (await probeXfs(this.#host, this.#host.paths.dev(deviceName))).inProgress;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async mountDrive(device: ProbedDevice, fsuuid: string): Promise<void> {
    const host = this.#host;
    const { mountPoint } = drivePaths(host, fsuuid);
    const stale = (await host.mounter.mountInfo())
      .filter((e) => e.mountPoint === mountPoint && e.majorMinor !== device.majorMinor);
    for (const entry of stale) {
      this.#options.logger.info("Replacing a stale drive mount", { mountPoint, was: entry.source });
      await host.mounter.unmount(mountPoint, FORCE_DETACH);
    }
    await mountDrive(host, host.paths.dev(device.name), fsuuid, {
      quota: this.#options.quota,
      log: this.#options.logger,
    });
  }

  writeLayout(fsuuid: string): Promise<void> {
    return writeDriveLayout(this.#host, fsuuid);
  }

  relabel(fsuuid: string): Promise<void> {
    return ensureFsuuidLink(this.#host, fsuuid);
  }

  async unmountDrive(fsuuid: string, majorMinor?: string): Promise<void> {
    const targets = this.#driveDirs(fsuuid);
    const entries = (await this.#host.mounter.mountInfo()).filter((e) =>
      targets.includes(e.mountPoint) || (majorMinor !== undefined && e.majorMinor === majorMinor)
    );
    const points = [...new Set(entries.map((e) => e.mountPoint))]
      .sort((a, b) => b.length - a.length);
    for (const point of points) {
      while (await this.#isMounted(point)) await this.#host.mounter.unmount(point, FORCE_DETACH);
    }
  }

  async removeDriveDirs(fsuuid: string): Promise<void> {
    for (const dir of this.#driveDirs(fsuuid)) {
      try {
        await this.#host.fs.remove(dir);
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        this.#options.logger.warn("Cannot remove drive directory", {
          dir,
          error: errorMessage(err),
        });
      }
    }
  }

  checkHealth(device: ProbedDevice, fsuuid: string): Promise<HealthFindings> {
    return this.#health.check(device, fsuuid);
  }

  async unreadableMount(fsuuid: string): Promise<string | undefined> {
    const { mountPoint } = drivePaths(this.#host, fsuuid);
    const mount = (await this.#host.mounter.mountInfo()).find((m) => m.mountPoint === mountPoint);
    if (!mount) return undefined;
    const name = await deviceNameOf(this.#host, mount.majorMinor);
    return name ? await this.#health.readDevice({ name, majorMinor: mount.majorMinor }) : undefined;
  }

  async fitDrive(fsuuid: string, deviceBytes: number): Promise<DriveFit> {
    const { mountPoint } = drivePaths(this.#host, fsuuid);
    const current = await xfsDataSize(this.#host, mountPoint);
    if (deviceBytes < current.bytes) return { kind: "shrunk", bytes: current.bytes, deviceBytes };
    if (deviceBytes - current.bytes < GROW_THRESHOLD_BYTES) {
      return { kind: "same", bytes: current.bytes };
    }
    const { before, after } = await growXfs(this.#host, mountPoint);
    return { kind: "grown", before: before.bytes, bytes: after.bytes };
  }

  async copyVolumeData(
    input: VolumeDataCopy,
    onProgress?: (copiedBytes: number) => void,
  ): Promise<{ bytes: number; files: number }> {
    const host = this.#host;
    const from = `${drivePaths(host, input.fromFsuuid).mountPoint}/${input.volumeName}`;
    const { mountPoint } = drivePaths(host, input.toFsuuid);
    // A volume never staged has no directory yet: nothing to copy.
    if (!(await host.fs.stat(from))) return { bytes: 0, files: 0 };
    const staged = `${mountPoint}/.${input.volumeName}.moving`;
    const ticker = onProgress
      ? setInterval(() => {
        treeBytes(host, staged).then(onProgress, () => {});
      }, COPY_PROGRESS_MS)
      : undefined;
    try {
      await copyTree(host, from, staged);
    } finally {
      clearInterval(ticker);
    }
    const copied = await verifyCopy(host, from, staged);
    const dir = `${mountPoint}/${input.volumeName}`;
    await host.fs.remove(dir, { recursive: true }).catch(() => {});
    await host.fs.rename(staged, dir);
    await ensureFsuuidLink(host, input.toFsuuid);
    await this.#limitVolume(mountPoint, dir, input.volumeName, input.totalCapacity);
    return copied;
  }

  async volumeDataBytes(fsuuid: string, volumeName: string): Promise<number> {
    const dir = `${drivePaths(this.#host, fsuuid).mountPoint}/${volumeName}`;
    return (await this.#host.fs.stat(dir)) ? await treeBytes(this.#host, dir) : 0;
  }

  unmountPath(hostPath: string): Promise<void> {
    return this.#host.mounter.unmount(this.#host.paths.host(hostPath), FORCE_DETACH);
  }

  async purgeVolumeData(dataPath: string): Promise<void> {
    const fs = this.#host.fs;
    const dir = this.#host.paths.host(dataPath);
    const deleted = `${dir}.deleted`;
    // A block volume's loop device would keep its file (and the space) alive after removal.
    await detachBlockFile(this.#host, `${dir}/${BLOCK_VOLUME_FILE}`);
    if (await fs.stat(dir)) {
      if (await fs.stat(deleted)) await fs.remove(deleted, { recursive: true });
      await fs.rename(dir, deleted);
    }
    if (await fs.stat(deleted)) await fs.remove(deleted, { recursive: true });
  }

  async releaseQuota(fsuuid: string, volumeName: string): Promise<void> {
    const { mountPoint } = drivePaths(this.#host, fsuuid);
    if (!(await this.#isMounted(mountPoint)) || !(await this.#quotaEnforced())) return;
    const id = await projectId(volumeName);
    await this.#host.exec.run("xfs_quota", limitArgs(mountPoint, id, 0));
  }

  async restageVolume(input: RestageInput): Promise<string> {
    const host = this.#host;
    const { mountPoint } = drivePaths(host, input.fsuuid);
    await ensureFsuuidLink(host, input.fsuuid);
    const dir = await createVolumeDir(host, input.fsuuid, input.volumeName);
    await this.#limitVolume(mountPoint, dir, input.volumeName, input.totalCapacity);
    const staging = host.paths.host(input.stagingTargetPath);
    await host.mounter.unmount(staging, FORCE_DETACH);
    await host.fs.mkdir(staging, { recursive: true });
    await host.mounter.bindMount(dir, staging);
    return volumeDataPath(input.fsuuid, input.volumeName);
  }

  reflinkCopy(input: ReflinkCopy): Promise<void> {
    return reflinkCopy(this.#host, input, () => this.#quotaEnforced());
  }

  removeSnapshotData(fsuuid: string, snapshot: string): Promise<void> {
    return removeSnapshotData(this.#host, fsuuid, snapshot);
  }

  /** Sets the volume directory's project quota when quota is enforced. */
  async #limitVolume(mountPoint: string, volumeDir: string, volumeName: string, size: number) {
    if (!(await this.#quotaEnforced())) return;
    await setProjectQuota(this.#host, { mountPoint, volumeDir, volumeName, size });
  }

  /** Probes (optionally one device by name) and applies the device filter. */
  async #probe(
    { driveExists, only, content }: {
      driveExists?: (fsuuid: string) => boolean;
      only?: string;
      content?: "fsuuid";
    } = {},
  ): Promise<Device[]> {
    const o = this.#options;
    const devices = await probeDevices(this.#host, {
      nodeId: o.nodeId,
      allowLoop: o.allowLoop,
      log: o.logger,
      ...(driveExists ? { driveExists: (f: string) => Promise.resolve(driveExists(f)) } : {}),
      ...(only ? { only: { names: [only] } } : {}),
      ...(content ? { content } : {}),
    });
    const filter = o.deviceFilter;
    if (!filter) return devices;
    const visible = await Promise.all(devices.map((d) => filter(d.name)));
    return devices.filter((_, i) => visible[i]);
  }

  /** The drive's mount directory and its legacy one. */
  #driveDirs(fsuuid: string): string[] {
    return [drivePaths(this.#host, fsuuid).mountPoint, this.#host.paths.legacyApp("mnt", fsuuid)];
  }

  async #isMounted(mountPoint: string): Promise<boolean> {
    return (await this.#host.mounter.mountInfo()).some((e) => e.mountPoint === mountPoint);
  }

  /** Whether project quota is in force: always with `required`, else if the kernel has it. */
  async #quotaEnforced(): Promise<boolean> {
    return this.#options.quota === "required" ||
      (await detectQuotaSupport(this.#host)) === true;
  }
}
