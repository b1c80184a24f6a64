/**
 * `clean` (reference §1.11): delete DirectPVVolumes whose PersistentVolume is gone, Released or
 * Failed; the node then purges their data.
 */
import { type KubeClient, UNCHANGED } from "../k8s/mod.ts";
import { NotFoundError } from "../errors/mod.ts";
import { type DirectPVVolume, FINALIZERS } from "../types/mod.ts";
import { listVolumes, type VolumeQuery } from "./listers.ts";
import { signalOption, silentReporter, writeOptions, type WriteRunOptions } from "./types.ts";
import { requireMatches, updateMatching } from "./update_matching.ts";

/** Arguments of {@link clean}. */
export interface CleanArgs extends WriteRunOptions {
  query: VolumeQuery;
}

/** Whether a volume's PersistentVolume is missing, Released or Failed. */
async function isStale(
  kube: KubeClient,
  volume: DirectPVVolume,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const pv = await kube.persistentVolumes.get(volume.metadata.name ?? "", signalOption(signal));
    const phase = pv.status?.phase;
    return phase === "Released" || phase === "Failed";
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}

/**
 * Removes the `pv-protection` finalizer from each selected stale volume and deletes it.
 * Returns the volumes cleaned (or that would be, in a dry run).
 *
 * @throws {NoMatchingResourcesError} when nothing is selected
 */
export async function clean(kube: KubeClient, args: CleanArgs): Promise<DirectPVVolume[]> {
  const reporter = args.reporter ?? silentReporter;
  const volumes = requireMatches(await listVolumes(kube, args.query, signalOption(args.signal)));
  const stale: DirectPVVolume[] = [];
  for (const volume of volumes) {
    if (await isStale(kube, volume, args.signal)) stale.push(volume);
  }
  await updateMatching(kube.volumes, stale, (volume) => {
    const finalizers = volume.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZERS.pvProtection)) return UNCHANGED;
    volume.metadata.finalizers = finalizers.filter((f) => f !== FINALIZERS.pvProtection);
    return volume;
  }, writeOptions(args));
  for (const volume of stale) {
    const name = volume.metadata.name ?? "";
    reporter.info(`Removing volume ${name}`);
    try {
      await kube.volumes.delete(name, writeOptions(args));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return stale;
}
