/**
 * Init interrupted: the node controller (the role that formats drives and writes their
 * DirectPVDrive objects; the node server does not take init requests) is SIGKILLed with its
 * whole process group at each step of an init request, then restarted. Every device must end
 * as exactly one Ready drive carrying the FSUUID recorded on the request before any mkfs, no
 * finished filesystem may be formatted again, and a drive written before the kill is kept.
 */
import { initAnnotationKey } from "../../lib/node_init/mod.ts";
import { type DirectPVDrive, LABELS } from "../../lib/types/mod.ts";
import type { SimNode } from "../sandbox/env.ts";
import { clusterChecks, deviceFsuuid, formattedOnceCheck } from "./invariants.ts";
import type { Check, FaultScenario, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { mountCount, throttleWrites, unfinishedMkfs, waitSessionCommand } from "./node_host.ts";
import { sleep } from "../lib/mod.ts";
import {
  createInitRequest,
  discoverDevices,
  killRole,
  nodeDrives,
  nodeOf,
  restartArmed,
  roleLog,
  rolePid,
  startRole,
  waitFaultReached,
  waitProcessed,
  withWorld,
  type World,
} from "./world.ts";

const REQUEST = "fault-init";

/** How the kill is timed: at a fault point, or while mkfs.xfs is writing. */
type KillAt = { point: string } | { midMkfs: true };

function baseName(device: string): string {
  return device.split("/").pop() ?? device;
}

/** Device → FSUUID of the filesystem mkfs finished there ("" for none or an unfinished one). */
async function finishedFsuuids(node: SimNode): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of node.drives) {
    out.set(d.device, (await unfinishedMkfs(d.device)) ? "" : await deviceFsuuid(d.device));
  }
  return out;
}

/** Starts init with the node controller armed, kills it at the step; returns what was there. */
async function interruptInit(world: World, at: KillAt, log: (m: string) => void) {
  const node = nodeOf(world);
  const point = "point" in at ? at.point : "";
  const from = await restartArmed(world, "node-controller", node, point ? `${point}:pause` : "");
  const pid = rolePid(world, "node-controller", node);
  // 1 MiB/s: mkfs.xfs of a 1 GiB drive writes for many seconds instead of 20 ms.
  const throttle = point ? undefined : await throttleWrites(pid, devicesOf(node), 1024 ** 2);
  try {
    const devices = await discoverDevices(world.kube, node.name);
    await createInitRequest(world.kube, node.name, REQUEST, devices);
    if (point) await waitFaultReached(world, "node-controller", node, point, from);
    else {
      const mkfs = await waitSessionCommand(pid, "mkfs.xfs");
      await sleep(1_000);
      log(`mkfs.xfs running as ${mkfs.join(", ")}`);
    }
    // While mkfs.xfs runs, reading the device waits behind its throttled writes; and no
    // filesystem is finished there by construction (its mkfs is still running).
    const before = point
      ? await finishedFsuuids(node)
      : new Map(devicesOf(node).map((d) => [d, ""]));
    const drivesBefore = await nodeDrives(world.kube, node.name);
    log(`killing node-controller at ${point || "mkfs"}: ${JSON.stringify([...before])}`);
    await killRole(world, "node-controller", node);
    await throttle?.release();
    let unfinished = 0;
    for (const device of devicesOf(node)) if (await unfinishedMkfs(device)) unfinished++;
    return { before, drivesBefore, unfinished };
  } finally {
    await throttle?.release();
  }
}

function devicesOf(node: SimNode): string[] {
  return node.drives.map((d) => d.device);
}

/** One Ready drive per device, on that device, with the FSUUID the request recorded. */
async function drivesCheck(world: World, node: SimNode): Promise<Check> {
  const request = await world.kube.initRequests.get(REQUEST);
  const drives = await nodeDrives(world.kube, node.name);
  const wrong: string[] = [];
  for (const loop of node.drives) {
    const name = baseName(loop.device);
    const mine = drives.filter((d) => d.metadata.labels?.[LABELS.driveName] === name);
    const spec = request.spec.devices.find((d) => d.name === name);
    const recorded = spec && request.metadata.annotations?.[await initAnnotationKey(spec.id)];
    const fsuuid = await deviceFsuuid(loop.device);
    if (mine.length !== 1) wrong.push(`${name}: ${mine.length} drive objects`);
    else if (mine[0]?.status.status !== "Ready") wrong.push(`${name}: ${mine[0]?.status.status}`);
    else if (mine[0].status.fsuuid !== fsuuid || fsuuid !== recorded) {
      wrong.push(`${name}: drive ${mine[0].status.fsuuid}, device ${fsuuid}, recorded ${recorded}`);
    }
  }
  if (drives.length !== node.drives.length) wrong.push(`${drives.length} drives on the node`);
  return {
    name: "each device is one Ready drive with the FSUUID recorded before mkfs",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${drives.length} drives` : wrong.join("; "),
  };
}

function requestCheck(request: { status: { status: string; results: { error?: string }[] } }) {
  const errors = request.status.results.filter((r) => r.error).map((r) => r.error);
  return {
    name: "the init request ends Processed without device errors",
    ok: request.status.status === "Processed" && errors.length === 0,
    detail: `${request.status.status}${errors.length ? `: ${errors.join("; ")}` : ""}`,
  };
}

/** Drives written before the kill are the same objects after it (not deleted and re-made). */
function keptCheck(before: DirectPVDrive[], after: DirectPVDrive[]): Check {
  const lost = before.filter((b) =>
    !after.some((a) => a.metadata.uid === b.metadata.uid && a.metadata.name === b.metadata.name)
  ).map((b) => b.metadata.name);
  return {
    name: "drive objects written before the kill are kept",
    ok: lost.length === 0,
    detail: lost.length === 0 ? `${before.length} kept` : `re-made: ${lost.join(", ")}`,
  };
}

async function mountedOnceCheck(world: World, node: SimNode): Promise<Check> {
  const wrong: string[] = [];
  for (const drive of await nodeDrives(world.kube, node.name)) {
    const n = await mountCount(`${node.appDir}/mnt/${drive.status.fsuuid}`);
    if (n !== 1) wrong.push(`${drive.metadata.name}: ${n} mounts`);
  }
  return {
    name: "each drive mounted exactly once",
    ok: wrong.length === 0,
    detail: wrong.join("; ") || "ok",
  };
}

/** How many times the restarted node controller ran mkfs: none when every mkfs had finished. */
async function reformatCheck(
  world: World,
  node: SimNode,
  from: number,
  before: ReadonlyMap<string, string>,
): Promise<Check> {
  const text = await roleLog(world, "node-controller", node, from);
  const formatted = text.split("\n").filter((l) => l.includes("Formatting device")).length;
  const unfinished = [...before.values()].filter((u) => u === "").length;
  return {
    name: "after restart mkfs runs only on devices whose mkfs never finished",
    ok: formatted <= unfinished,
    detail: `${formatted} formatted, ${unfinished} had no filesystem at the kill`,
  };
}

/** The kill really hit mkfs mid-way: it left superblocks with `sb_inprogress` set. */
function unfinishedLeftCheck(unfinished: number): Check {
  return {
    name: "the kill left unfinished XFS superblocks behind",
    ok: unfinished > 0,
    detail: `${unfinished} devices`,
  };
}

async function runInitFault(ctx: ScenarioContext, at: KillAt): Promise<ScenarioOutcome> {
  const options = { name: "init", nodes: 1, drivesPerNode: 2, init: false, controller: false };
  return await withWorld({ ...options, log: ctx.log }, async (world) => {
    const node = nodeOf(world);
    const { before, drivesBefore, unfinished } = await interruptInit(world, at, ctx.log);
    const from = await startRole(world, "node-controller", node);
    const request = await waitProcessed(world.kube, REQUEST);
    const checks = [
      requestCheck(request),
      await drivesCheck(world, node),
      keptCheck(drivesBefore, await nodeDrives(world.kube, node.name)),
      await mountedOnceCheck(world, node),
      await formattedOnceCheck(before),
      await reformatCheck(world, node, from, before),
      ...await clusterChecks(world.kube, []),
    ];
    if ("midMkfs" in at) checks.unshift(unfinishedLeftCheck(unfinished));
    return { faults: 1, checks };
  });
}

function initScenario(
  name: string,
  faults: string,
  at: KillAt,
  options: { fast?: boolean } = {},
): FaultScenario {
  return { name, faults, fast: options.fast ?? false, run: (ctx) => runInitFault(ctx, at) };
}

export const NODE_INIT_SCENARIOS: readonly FaultScenario[] = [
  initScenario(
    "init-kill-before-record",
    "node-controller group SIGKILL after the request is read, before FSUUIDs are recorded",
    { point: "init.before-record" },
  ),
  initScenario(
    "init-kill-mid-mkfs",
    "node-controller group SIGKILL while mkfs.xfs writes (device I/O throttled)",
    { midMkfs: true },
  ),
  initScenario(
    "init-kill-after-mkfs",
    "node-controller group SIGKILL after mkfs, before mount and drive object",
    { point: "init.after-mkfs" },
    { fast: true },
  ),
  initScenario(
    "init-kill-before-drive-write",
    "node-controller group SIGKILL after mkfs and mount, before the drive object",
    { point: "init.before-drive-create" },
  ),
  initScenario(
    "init-kill-after-drive-write",
    "node-controller group SIGKILL after the drive object, before Processed",
    { point: "init.after-drive-create" },
  ),
];
