/**
 * Moving every volume of a drive, with its data, to another drive of this node (asked for with
 * the `move-data-to` annotation on the source drive). Per volume, in an order that survives a
 * crash at any point and finishes when run again:
 *
 * 1. reserve: the destination drive takes the volume's finalizer and capacity;
 * 2. copy and verify the data directory (`copyVolumeData`; the source is only read);
 * 3. switch: the DirectPVVolume points at the destination (fsuuid, dataPath, drive labels);
 * 4. release: the source drive drops the finalizer and the capacity.
 *
 * A volume already switched skips to 4. A published or staged volume is never copied: the move
 * fails, or with `move-data-wait` waits (state `waiting`) and goes on at a later resync.
 * Progress is written to the source drive's `move-data-progress` annotation.
 */
import { errorMessage, FailedPreconditionError } from "../../lib/errors/mod.ts";
import { UNCHANGED, updateIfExists } from "../../lib/k8s/mod.ts";
import {
  ANNOTATIONS,
  type DirectPVDrive,
  type DirectPVVolume,
  FINALIZERS,
  LABELS,
  type MoveDataProgress,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { volumeDataPath } from "../../lib/xfs/mod.ts";
import { EVENT_REASONS } from "../events.ts";
import type { NodeDeps } from "./deps.ts";

type Progress = Omit<MoveDataProgress, "to">;

/** Where the move is: the volume's position, the bytes moved so far, whether to wait. */
interface Step {
  index: number;
  total: number;
  movedBytes: number;
  wait: boolean;
}

async function record(deps: NodeDeps, src: string, to: string, p: Progress): Promise<void> {
  const progress: MoveDataProgress = { ...p, to };
  await updateIfExists(deps.kube.drives, src, (fresh) => {
    const annotations = { ...fresh.metadata.annotations };
    annotations[ANNOTATIONS.moveDataProgress] = JSON.stringify(progress);
    if (p.state === "done" || p.state === "failed") {
      delete annotations[ANNOTATIONS.moveDataTo];
      delete annotations[ANNOTATIONS.moveDataWait];
    }
    fresh.metadata.annotations = annotations;
  });
  deps.logger.info("Drive data move", { drive: src, ...progress });
}

/** Adds or drops a volume's finalizer and capacity on a drive; no-op when already so. */
async function account(
  deps: NodeDeps,
  drive: string,
  volume: DirectPVVolume,
  { hold }: { hold: boolean },
): Promise<void> {
  const finalizer = volumeFinalizer(volume.metadata.name ?? "");
  const size = volume.status.totalCapacity;
  await updateIfExists(deps.kube.drives, drive, (fresh) => {
    const has = (fresh.metadata.finalizers ?? []).includes(finalizer);
    if (has === hold) return UNCHANGED;
    fresh.metadata.finalizers = hold
      ? [...(fresh.metadata.finalizers ?? []), finalizer]
      : (fresh.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const s = fresh.status;
    s.allocatedCapacity = Math.max(0, s.allocatedCapacity + (hold ? size : -size));
    s.freeCapacity = Math.max(0, s.freeCapacity + (hold ? -size : size));
    return fresh;
  });
}

function volumesOf(drive: DirectPVDrive): string[] {
  return (drive.metadata.finalizers ?? [])
    .filter((f) => f.startsWith(FINALIZERS.volumePrefix))
    .map((f) => f.slice(FINALIZERS.volumePrefix.length));
}

/** The destination, checked: on this node, Ready, with room for what is still to move. */
async function destination(deps: NodeDeps, src: DirectPVDrive, to: string, need: number) {
  const dst = await deps.kube.drives.get(to);
  const node = src.metadata.labels?.[LABELS.node];
  if (dst.metadata.labels?.[LABELS.node] !== node) {
    throw new FailedPreconditionError(`Destination drive "${to}" is not on node "${node}"`);
  }
  if (dst.status.status !== "Ready") {
    throw new FailedPreconditionError(`Destination drive "${to}" is ${dst.status.status}`);
  }
  if (dst.status.freeCapacity < need) {
    throw new FailedPreconditionError(
      `Destination drive "${to}" has ${dst.status.freeCapacity} bytes free; ${need} needed`,
    );
  }
  return dst;
}

/** Copies one volume's data, recording the bytes copied as the copy goes. */
async function copyWithProgress(
  deps: NodeDeps,
  o: { from: string; to: string; volume: DirectPVVolume; bytes: number; step: Step },
): Promise<void> {
  const name = o.volume.metadata.name ?? "";
  let recording = Promise.resolve();
  let last = -1;
  const onProgress = (copiedBytes: number) => {
    if (copiedBytes === last) return;
    last = copiedBytes;
    const p = { ...o.step, state: "copying" as const, volume: name, bytes: o.bytes, message: "" };
    recording = recording.then(() => record(deps, o.from, o.to, { ...p, copiedBytes }));
  };
  try {
    await deps.ops.copyVolumeData({
      volumeName: name,
      fromFsuuid: o.from,
      toFsuuid: o.to,
      totalCapacity: o.volume.status.totalCapacity,
    }, onProgress);
  } finally {
    await recording.catch(() => {});
  }
}

/** Moves one volume (steps 1–4); returns its bytes, or undefined when it must wait. */
async function moveVolume(
  deps: NodeDeps,
  src: DirectPVDrive,
  dst: DirectPVDrive,
  volume: DirectPVVolume,
  step: Step,
): Promise<number | undefined> {
  const name = volume.metadata.name ?? "";
  const [from, to] = [src.metadata.name ?? "", dst.metadata.name ?? ""];
  if (volume.status.fsuuid !== to) {
    if (volume.status.targetPath || volume.status.stagingTargetPath) {
      if (!step.wait) {
        throw new FailedPreconditionError(`Volume "${name}" is in use by a pod; stop it first`);
      }
      const message = `Volume "${name}" is in use by a pod; waiting for it to be unpublished`;
      await record(deps, from, to, { ...step, state: "waiting", volume: name, bytes: 0, message });
      return undefined;
    }
    await account(deps, to, volume, { hold: true });
    const bytes = await deps.ops.volumeDataBytes(from, name);
    await record(deps, from, to, { ...step, state: "copying", volume: name, bytes, message: "" });
    await copyWithProgress(deps, { from, to, volume, bytes, step });
    const driveName = dst.metadata.labels?.[LABELS.driveName] ?? "";
    const moved = await updateIfExists(deps.kube.volumes, name, (fresh) => {
      fresh.status = { ...fresh.status, fsuuid: to, dataPath: volumeDataPath(to, name) };
      fresh.metadata.labels = {
        ...fresh.metadata.labels,
        [LABELS.drive]: to,
        [LABELS.driveName]: driveName,
      };
    });
    if (moved) {
      const message = `Volume data moved from drive ${from} to drive ${to} (${bytes} bytes)`;
      await deps.events.record({
        object: moved,
        type: "Normal",
        reason: EVENT_REASONS.volumeMoved,
        message,
      });
    }
  }
  await account(deps, from, volume, { hold: false });
  const bytes = await deps.ops.volumeDataBytes(to, name);
  const movedBytes = step.movedBytes + bytes;
  await record(deps, from, to, {
    ...step,
    movedBytes,
    state: "switched",
    volume: name,
    bytes,
    message: "",
  });
  return bytes;
}

/** Runs the move the drive's annotations ask for; see the module doc. */
export async function moveDriveData(deps: NodeDeps, src: DirectPVDrive): Promise<void> {
  const from = src.metadata.name ?? "";
  const to = src.metadata.annotations?.[ANNOTATIONS.moveDataTo] ?? "";
  const wait = src.metadata.annotations?.[ANNOTATIONS.moveDataWait] === "true";
  const names = volumesOf(src);
  const step = { index: 0, total: names.length, movedBytes: 0, wait };
  try {
    const volumes = await Promise.all(names.map((n) => deps.kube.volumes.get(n)));
    // Volumes already switched or reserved on the destination (a cut-short run) need no room.
    const reserved = (await deps.kube.drives.get(to)).metadata.finalizers ?? [];
    const pending = volumes.filter((v) =>
      v.status.fsuuid !== to && !reserved.includes(volumeFinalizer(v.metadata.name ?? ""))
    );
    const dst = await destination(
      deps,
      src,
      to,
      pending.reduce((n, v) => n + v.status.totalCapacity, 0),
    );
    for (const volume of volumes) {
      step.index++;
      const bytes = await moveVolume(deps, src, dst, volume, step);
      if (bytes === undefined) return;
      step.movedBytes += bytes;
    }
    const message = `Moved ${names.length} volume(s), ${step.movedBytes} bytes, to drive ${to}`;
    await record(deps, from, to, { ...step, state: "done", volume: "", bytes: 0, message });
  } catch (err) {
    const message = errorMessage(err);
    deps.logger.warn("Drive data move failed", { drive: from, to, error: message });
    await record(deps, from, to, { ...step, state: "failed", volume: "", bytes: 0, message });
  }
}
