/**
 * CreateVolume of a name whose previous volume is still being deleted. DeleteVolume answers
 * once the volume is marked for deletion; the node server then purges its data and gives its
 * capacity back, which takes moments. A CO may reuse the name at once (csi-sanity does, and
 * so does a user recreating a claim), so CreateVolume waits for the old volume to be gone
 * before it reserves: reserving earlier would find the old volume's reservation on the drive
 * and keep it, and the cleanup would then give those bytes back under the new volume.
 */
import { AbortedError, NotFoundError } from "../../lib/errors/mod.ts";
import { sleep } from "../../lib/k8s/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";

/** Default wait for a volume being deleted to be gone: its cleanup is a few API writes. */
export const DELETE_WAIT_MS = 15_000;
const DELETE_POLL_MS = 100;

/** Whether volume `id` exists and is being deleted (false when it is gone or live). */
async function beingDeleted(deps: ControllerDeps, id: string, signal: AbortSignal) {
  try {
    return (await deps.kube.volumes.get(id, { signal })).metadata.deletionTimestamp !== undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/**
 * Returns once no volume named `id` is being deleted (at once when none is).
 *
 * @throws {AbortedError} when it is still being deleted after the wait (the node server that
 *   cleans it up may be down), or the call was cancelled
 */
export async function awaitNameFree(
  deps: ControllerDeps,
  id: string,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + (deps.deleteWait?.timeoutMs ?? DELETE_WAIT_MS);
  while (await beingDeleted(deps, id, signal)) {
    if (Date.now() >= deadline || signal.aborted) {
      throw new AbortedError(
        `Cannot create volume "${id}": a volume of that name is being deleted; retry once ` +
          `the node server has cleaned it up`,
      );
    }
    await sleep(deps.deleteWait?.intervalMs ?? DELETE_POLL_MS, signal);
  }
}
