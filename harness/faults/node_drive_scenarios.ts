/**
 * Drives that go away under a running node server: pulled while a volume on them is published
 * and put back (under the same or another device name), or re-formatted behind DirectPV's
 * back while away. A drive that comes back with its filesystem is Ready again with its
 * volumes and data; a device that now holds another filesystem is not taken for the drive,
 * not formatted, and the drive's volumes are not recreated on it.
 */
import { join } from "node:path";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import { run, waitFor } from "../lib/mod.ts";
import { type LoopDrive, reattach } from "../loop/mod.ts";
import { mountPodVolume, unmountPodVolume } from "../kubelet/mod.ts";
import { saveState, type SimNode } from "../sandbox/env.ts";
import {
  clusterChecks,
  deviceFsuuid,
  formattedOnceCheck,
  publishedDataCheck,
} from "./invariants.ts";
import type { Check, FaultScenario, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { mountCount, mountPointsOf, pullDrive } from "./node_host.ts";
import {
  markerOnDriveCheck,
  mountWithMarker,
  oneMountCheck,
  type PodVolumeOnNode,
  provisionVolume,
} from "./node_volumes.ts";
import { discoverDevices, nodeDrives, nodeOf, withWorld, type World } from "./world.ts";

function baseName(device: string): string {
  return device.split("/").pop() ?? device;
}

function loopOf(node: SimNode): LoopDrive {
  const loop = node.drives[0];
  if (!loop) throw new Error(`Node ${node.name} has no drive`);
  return loop;
}

async function onlyDrive(world: World, node: SimNode): Promise<DirectPVDrive> {
  const [drive, ...more] = await nodeDrives(world.kube, node.name);
  if (!drive || more.length > 0) throw new Error(`Expected one drive on ${node.name}`);
  return drive;
}

async function waitDriveStatus(world: World, name: string, status: string, timeoutMs = 60_000) {
  return await waitFor(async () => {
    const d = await world.kube.drives.get(name);
    return d.status.status === status ? d : undefined;
  }, { timeoutMs, intervalMs: 250, description: `drive ${name} to be ${status}` });
}

/** Puts the drive's backing file back on a loop device and records it for clean-up. */
async function putBack(world: World, node: SimNode, loop: LoopDrive): Promise<LoopDrive> {
  const again = await reattach(loop);
  node.drives = node.drives.map((d) => (d === loop ? again : d));
  await saveState(world.env);
  return again;
}

/** Holds a device name with a loop device on a file the node does not see (not its disks). */
async function occupy(world: World, device: string): Promise<() => Promise<void>> {
  const file = join(world.env.dir, "placeholder.img");
  await run("truncate", ["-s", "64M", file]);
  const res = await run("losetup", [device, file], { allowFailure: true });
  return async () => {
    if (res.code === 0) await run("losetup", ["--detach", device], { allowFailure: true });
    await Deno.remove(file).catch(() => {});
  };
}

function statusCheck(name: string, seen: string, want: string): Check {
  return { name, ok: seen === want, detail: seen };
}

/** Pull a drive with a published volume, put it back (under another name when asked). */
async function runPull(
  ctx: ScenarioContext,
  { rename }: { rename: boolean },
): Promise<ScenarioOutcome> {
  const options = { name: rename ? "rename" : "pull", nodes: 1, drivesPerNode: 1, log: ctx.log };
  return await withWorld(options, async (world) => {
    const node = nodeOf(world);
    const volume = await provisionVolume(world, node, "fault-claim");
    await mountWithMarker(volume);
    const drive = await onlyDrive(world, node);
    const name = drive.metadata.name ?? "";
    const loop = loopOf(node);
    await pullDrive(loop);
    const lost = await waitDriveStatus(world, name, "Lost").then((d) => d.status.status, String);
    const whileLost = await clusterChecks(world.kube, [volume.name]);
    const release = rename ? await occupy(world, loop.device) : async () => {};
    let again: LoopDrive;
    try {
      again = await putBack(world, node, loop);
      ctx.log(`drive ${loop.device} came back as ${again.device}`);
      const ready = await waitDriveStatus(world, name, "Ready").then((d) => d, () => undefined);
      // The pod's mounts died with the drive: kubelet stages and publishes again.
      await mountPodVolume(volume.use);
      const checks = [
        statusCheck("the pulled drive is marked Lost", lost, "Lost"),
        ...whileLost.map((c) => ({ ...c, name: `while Lost: ${c.name}` })),
        statusCheck("the drive is Ready again once back", ready?.status.status ?? "", "Ready"),
        await driveMountedOnce(node, name),
        await oneMountCheck(volume),
        await markerOnDriveCheck(world, node, volume),
        await publishedDataCheck(new Map([[volume.name, volume.paths.target]])),
        ...await clusterChecks(world.kube, [volume.name]),
      ];
      if (rename) checks.push(renamedCheck(loop, again, ready));
      return { faults: 1, checks };
    } finally {
      await release();
    }
  });
}

async function driveMountedOnce(node: SimNode, fsuuid: string): Promise<Check> {
  const n = await mountCount(join(node.appDir, "mnt", fsuuid));
  return { name: "the drive is mounted once", ok: n === 1, detail: `${n} mounts` };
}

/** Came back under another kernel name, and the drive records the new one. */
function renamedCheck(before: LoopDrive, after: LoopDrive, drive: DirectPVDrive | undefined) {
  const label = drive?.metadata.labels?.[LABELS.driveName] ?? "";
  return {
    name: "the drive is found by FSUUID under its new device name",
    ok: after.device !== before.device && label === baseName(after.device),
    detail: `${before.device} → ${after.device}, drive-name label "${label}"`,
  };
}

/** The drive's volume, mounted once, then unused; the drive re-formatted while pulled. */
async function runReformat(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const options = { name: "refmt", nodes: 1, drivesPerNode: 1, log: ctx.log };
  return await withWorld(options, async (world) => {
    const node = nodeOf(world);
    const volume = await provisionVolume(world, node, "fault-claim");
    await mountWithMarker(volume);
    await unmountPodVolume(volume.use);
    const drive = await onlyDrive(world, node);
    const name = drive.metadata.name ?? "";
    const loop = loopOf(node);
    await pullDrive(loop);
    await run("mkfs.xfs", ["-q", "-f", loop.backingFile]);
    const again = await putBack(world, node, loop);
    const foreign = await deviceFsuuid(again.device);
    ctx.log(`${again.device} now holds XFS ${foreign}; drive ${name} was on it`);
    // A full device scan and several health rounds (every 2 s) see the device as it is now.
    const listed = (await discoverDevices(world.kube, node.name))
      .find((d) => d.name === baseName(again.device));
    await waitDriveStatus(world, name, "Lost", 30_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 6_000));
    const stage = await mountPodVolume(volume.use).then(() => "staged", (e) => String(e));
    const checks = [
      statusCheck(
        "the drive stays Lost",
        (await world.kube.drives.get(name)).status.status,
        "Lost",
      ),
      await noNewDriveCheck(world, node, name),
      await formattedOnceCheck(new Map([[again.device, foreign]])),
      await notMountedCheck(again.device),
      refusedStageCheck(stage, volume),
      listedCheck(listed, foreign),
      ...await clusterChecks(world.kube, [volume.name]),
    ];
    return { faults: 2, checks };
  });
}

async function noNewDriveCheck(world: World, node: SimNode, name: string): Promise<Check> {
  const names = (await nodeDrives(world.kube, node.name)).map((d) => d.metadata.name ?? "");
  return {
    name: "no drive object made for the foreign filesystem",
    ok: names.length === 1 && names[0] === name,
    detail: names.join(", "),
  };
}

async function notMountedCheck(device: string): Promise<Check> {
  const points = await mountPointsOf(device);
  return {
    name: "the foreign filesystem is not mounted",
    ok: points.length === 0,
    detail: points.join(", ") || "not mounted",
  };
}

function refusedStageCheck(outcome: string, volume: PodVolumeOnNode): Check {
  return {
    name: "staging the drive's volume is refused, not recreated on the new filesystem",
    ok: outcome !== "staged",
    detail: `${volume.name}: ${outcome}`,
  };
}

/** discover shows the device with what it holds now, so an admin can decide about it. */
function listedCheck(
  device: { fsType?: string; fsuuid?: string; deniedReason?: string } | undefined,
  fsuuid: string,
): Check {
  return {
    name: "discover lists the device with the foreign filesystem",
    ok: device?.fsType === "xfs" && device.fsuuid === fsuuid,
    detail: JSON.stringify(device ?? "not listed"),
  };
}

export const NODE_DRIVE_SCENARIOS: readonly FaultScenario[] = [
  {
    name: "drive-pulled-while-published",
    faults: "loop drive detached under a published volume (its mounts dropped), re-attached",
    fast: true,
    run: (ctx) => runPull(ctx, { rename: false }),
  },
  {
    name: "drive-reformatted-behind-back",
    faults: "drive detached, mkfs.xfs -f (new FSUUID) on it while away, re-attached",
    fast: false,
    run: runReformat,
  },
  {
    name: "drive-back-under-new-name",
    faults: "drive detached under a published volume, re-attached as another /dev/loopN",
    fast: false,
    run: (ctx) => runPull(ctx, { rename: true }),
  },
];
