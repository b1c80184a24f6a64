/**
 * `move-data SRC DST`: move every volume of a drive, with its data, to another drive of the
 * same node. The checks happen here first (both drives known, same node, destination Ready with
 * room, no volume in use unless waiting); then the source drive is annotated and its node
 * server copies, verifies and switches each volume, reporting progress on the drive, which this
 * follows until the move is done or failed. Running it again after a cut-short move finishes it.
 */
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../errors/mod.ts";
import { type KubeClient, sleep } from "../k8s/mod.ts";
import {
  ANNOTATIONS,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  formatBytes,
  LABELS,
  type MoveDataProgress,
} from "../types/mod.ts";
import { describeDrive } from "./describe.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";

/** Arguments of {@link moveData}. */
export interface MoveDataArgs extends WriteRunOptions {
  from: string;
  to: string;
  /** Wait for volumes in use to be unpublished instead of refusing them. */
  wait?: boolean;
  /** How long to follow the move before giving up (the move itself goes on). */
  timeoutMs?: number;
  /** Time between progress reads. */
  pollMs?: number;
}

/** What the move covers. */
export interface MoveDataPlan {
  from: DirectPVDrive;
  to: DirectPVDrive;
  volumes: DirectPVVolume[];
  /** Bytes of capacity the volumes still to move take on the destination. */
  neededBytes: number;
}

async function getDrive(kube: KubeClient, id: string, role: string, signal?: AbortSignal) {
  try {
    return await kube.drives.get(id, signalOption(signal));
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`${role} drive "${id}" not found`);
    }
    throw err;
  }
}

function volumeNames(drive: DirectPVDrive): string[] {
  return (drive.metadata.finalizers ?? [])
    .filter((f) => f.startsWith(FINALIZERS.volumePrefix))
    .map((f) => f.slice(FINALIZERS.volumePrefix.length));
}

/**
 * Checks the move and lists its volumes; changes nothing.
 *
 * @throws {NotFoundError} for an unknown drive
 * @throws {InvalidArgumentError} for the same drive twice
 * @throws {FailedPreconditionError} for drives on different nodes, a destination not Ready or
 *   too small, or (without `wait`) volumes in use
 */
export async function planMoveData(kube: KubeClient, args: MoveDataArgs): Promise<MoveDataPlan> {
  if (args.from === args.to) {
    throw new InvalidArgumentError(`Source and destination are the same drive "${args.from}"`);
  }
  const from = await getDrive(kube, args.from, "Source", args.signal);
  const to = await getDrive(kube, args.to, "Destination", args.signal);
  const [fromNode, toNode] = [from, to].map((d) => d.metadata.labels?.[LABELS.node] ?? "");
  if (fromNode !== toNode) {
    throw new FailedPreconditionError(
      `Destination drive "${args.to}" is on node "${toNode}", not on "${fromNode}" with the source`,
    );
  }
  if (to.status.status !== "Ready") {
    throw new FailedPreconditionError(
      `Destination drive "${args.to}" is ${to.status.status}, not Ready`,
    );
  }
  const volumes = await Promise.all(
    volumeNames(from).map((n) => kube.volumes.get(n, signalOption(args.signal))),
  );
  // Volumes a cut-short run already switched or reserved on the destination need no room.
  const reserved = to.metadata.finalizers ?? [];
  const pending = volumes.filter((v) =>
    v.status.fsuuid !== args.to &&
    !reserved.includes(`${FINALIZERS.volumePrefix}${v.metadata.name}`)
  );
  const neededBytes = pending.reduce((n, v) => n + v.status.totalCapacity, 0);
  if (to.status.freeCapacity < neededBytes) {
    throw new FailedPreconditionError(
      `Destination drive "${args.to}" is too small: ${formatBytes(to.status.freeCapacity)} ` +
        `free, the volumes need ${formatBytes(neededBytes)}`,
    );
  }
  const inUse = pending.filter((v) => v.status.targetPath || v.status.stagingTargetPath);
  if (inUse.length > 0 && !args.wait) {
    throw new FailedPreconditionError(
      `Volume(s) in use by pods: ${inUse.map((v) => `"${v.metadata.name}"`).join(", ")}; ` +
        "stop them or pass --wait",
    );
  }
  return { from, to, volumes, neededBytes };
}

function progressLine(p: MoveDataProgress): string {
  const where = `[${p.index}/${p.total}] ${p.volume}`;
  switch (p.state) {
    case "copying":
      return p.copiedBytes === undefined
        ? `${where}: copying ${formatBytes(p.bytes)}`
        : `${where}: copied ${formatBytes(p.copiedBytes)} of ${formatBytes(p.bytes)}`;
    case "switched":
      return `${where}: ${formatBytes(p.bytes)} copied, verified and switched ` +
        `(${formatBytes(p.movedBytes)} so far)`;
    case "waiting":
      return `${where}: ${p.message}`;
    default:
      return p.message;
  }
}

function progressOf(drive: DirectPVDrive): MoveDataProgress | undefined {
  const text = drive.metadata.annotations?.[ANNOTATIONS.moveDataProgress];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as MoveDataProgress;
  } catch {
    return undefined;
  }
}

/** Asks the node server for the move: the annotations, and a fresh progress record. */
async function requestMove(kube: KubeClient, args: MoveDataArgs): Promise<void> {
  await kube.drives.patch(args.from, {
    metadata: {
      annotations: {
        [ANNOTATIONS.moveDataTo]: args.to,
        [ANNOTATIONS.moveDataWait]: args.wait ? "true" : null,
        [ANNOTATIONS.moveDataProgress]: null,
      },
    },
  }, writeOptions(args));
}

/** Follows the node server's progress until done or failed. */
async function follow(kube: KubeClient, args: MoveDataArgs): Promise<MoveDataProgress> {
  const reporter = args.reporter ?? silentReporter;
  const deadline = Date.now() + (args.timeoutMs ?? 3600_000);
  let last = "";
  while (Date.now() < deadline) {
    const progress = progressOf(await kube.drives.get(args.from, signalOption(args.signal)));
    if (progress) {
      const line = progressLine(progress);
      if (line !== last) reporter.info(line);
      last = line;
      if (progress.state === "done") return progress;
      if (progress.state === "failed") {
        throw new FailedPreconditionError(
          `Moving the data of drive "${args.from}" failed: ${line}`,
        );
      }
    }
    await sleep(args.pollMs ?? 250, args.signal);
  }
  throw new FailedPreconditionError(
    `Moving the data of drive "${args.from}" did not finish in time; it goes on, and running ` +
      "move-data again follows it",
  );
}

/**
 * Checks, asks the node server for the move and follows it; a dry run only checks and reports.
 *
 * @throws what {@link planMoveData} throws, and FailedPreconditionError when the move fails
 */
export async function moveData(kube: KubeClient, args: MoveDataArgs): Promise<MoveDataPlan> {
  const plan = await planMoveData(kube, args);
  const reporter = args.reporter ?? silentReporter;
  reporter.info(
    `Moving ${plan.volumes.length} volume(s) from ${describeDrive(plan.from)} to ` +
      `${describeDrive(plan.to)} (${formatBytes(plan.neededBytes)} of capacity)`,
  );
  if (args.dryRun || plan.volumes.length === 0) return plan;
  await requestMove(kube, args);
  await follow(kube, args);
  return plan;
}
