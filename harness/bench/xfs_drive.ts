/** A loop drive formatted and mounted as `init` and the node server do it, for benchmarks. */
import { describeDevice, probeDevices } from "../../lib/device/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import {
  formatDrive,
  mountDrive,
  writeDriveLayout,
  type XfsSuperblock,
} from "../../lib/xfs/mod.ts";
import { baseName, type LoopLab } from "../privileged/_lab.ts";

/** A drive made by {@linkcode benchDrive}. */
export interface BenchDrive {
  loop: string;
  fsuuid: string;
  superblock: XfsSuperblock;
}

/** A loop device of `bytes` in the lab, formatted with XFS, mounted and laid out. */
export async function benchDrive(lab: LoopLab, host: Host, bytes: number): Promise<BenchDrive> {
  const loop = await lab.attach(await lab.image("drive", bytes));
  const only = { names: [baseName(loop)] };
  const probe = async () => {
    const [d] = await probeDevices(host, { nodeId: "bench", allowLoop: true, only });
    return d ? { ...d, holds: describeDevice(d) } : undefined;
  };
  const before = await probe();
  if (!before) throw new Error(`Cannot probe ${loop}`);
  const { fsuuid, superblock } = await formatDrive(host, {
    device: baseName(loop),
    expectedId: before.id,
    force: false,
    probe,
  });
  await mountDrive(host, loop, fsuuid, { quota: "best-effort" });
  await writeDriveLayout(host, fsuuid);
  return { loop, fsuuid, superblock };
}
