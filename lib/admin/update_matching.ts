/**
 * One update loop for every verb that flips a field or a label on selected drives or volumes
 * (cordon, uncordon, label, suspend, resume, remove): mutate a copy, skip when nothing
 * changed, write with a retry on conflict, honour dry runs, report each object changed.
 */
import {
  type KubeClient,
  type Mutator,
  type ResourceClient,
  type UpdateOutcome,
  updateOutcome,
} from "../k8s/mod.ts";
import type { DirectPVDrive, DirectPVVolume, KubeObject } from "../types/mod.ts";
import { describeDrive, describeVolume } from "./describe.ts";
import { type DriveQuery, listDrives, listVolumes, type VolumeQuery } from "./listers.ts";
import {
  NoMatchingResourcesError,
  signalOption,
  silentReporter,
  writeOptions,
  type WriteRunOptions,
} from "./types.ts";

/** Options of {@link updateMatching}. */
export interface UpdateMatchingOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Attempts per object on conflict (default 5). */
  attempts?: number;
}

/**
 * Applies `mutate` to each object and writes the ones it changed. A conflict re-reads the
 * object and mutates it again.
 *
 * @throws whatever `mutate` throws, and API errors other than a conflict
 */
export async function updateMatching<T extends KubeObject>(
  resource: ResourceClient<T>,
  objects: readonly T[],
  mutate: Mutator<T>,
  options: UpdateMatchingOptions = {},
): Promise<UpdateOutcome<T>[]> {
  const out: UpdateOutcome<T>[] = [];
  for (const object of objects) {
    out.push(
      await updateOutcome(resource, object.metadata.name ?? "", mutate, {
        current: object,
        attempts: options.attempts ?? 5,
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }
  return out;
}

/**
 * {@link updateMatching} with a run's dry-run and signal; once every object is written,
 * reports the lines `report` gives for each object changed and returns those objects.
 *
 * @throws whatever `mutate` throws, and API errors other than a conflict
 */
export async function updateAndReport<T extends KubeObject>(
  resource: ResourceClient<T>,
  objects: readonly T[],
  mutate: Mutator<T>,
  run: WriteRunOptions,
  report: (object: T) => string | readonly string[],
): Promise<T[]> {
  const reporter = run.reporter ?? silentReporter;
  const outcomes = await updateMatching(resource, objects, mutate, writeOptions(run));
  const changed = outcomes.filter((o) => o.changed).map((o) => o.object);
  for (const object of changed) {
    for (const line of [report(object)].flat()) reporter.info(line);
  }
  return changed;
}

/** `objects`, when there are any. @throws {NoMatchingResourcesError} when there are none */
export function requireMatches<T>(objects: T[]): T[] {
  if (objects.length === 0) throw new NoMatchingResourcesError();
  return objects;
}

/** What a verb over drives or over volumes needs of the kind: list, write and name them. */
export interface SelectedKind<T extends KubeObject, Q> {
  /** `Drive` or `Volume`, for messages. */
  noun: string;
  resource(kube: KubeClient): ResourceClient<T>;
  list(kube: KubeClient, query: Q, options: { signal?: AbortSignal }): Promise<T[]>;
  describe(object: T): string;
}

/** Drives as a {@link SelectedKind}. */
export const DRIVES: SelectedKind<DirectPVDrive, DriveQuery> = {
  noun: "Drive",
  resource: (kube) => kube.drives,
  list: listDrives,
  describe: describeDrive,
};

/** Volumes as a {@link SelectedKind}. */
export const VOLUMES: SelectedKind<DirectPVVolume, VolumeQuery> = {
  noun: "Volume",
  resource: (kube) => kube.volumes,
  list: listVolumes,
  describe: describeVolume,
};

/**
 * Lists what `args.query` selects of `kind` and runs {@link updateAndReport} over it.
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export async function updateSelected<T extends KubeObject, Q>(
  kind: SelectedKind<T, Q>,
  kube: KubeClient,
  args: WriteRunOptions & { query: Q },
  mutate: Mutator<T>,
  report: (object: T) => string | readonly string[],
): Promise<T[]> {
  const objects = requireMatches(await kind.list(kube, args.query, signalOption(args.signal)));
  return await updateAndReport(kind.resource(kube), objects, mutate, args, report);
}
