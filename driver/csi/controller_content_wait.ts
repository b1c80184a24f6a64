/** Waiting for the node server to copy a content source into a new volume. */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { copyStateOf } from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import type { ControllerDeps } from "./controller_deps.ts";
import type { ResolvedSource } from "./controller_content.ts";
import { deleteVolume } from "./controller_delete_expand.ts";
import { waitForCopy } from "./copy_wait.ts";
import type { CallContext } from "./services.ts";

/**
 * Waits until the node server has copied the source into volume `id`. A copy that failed
 * for good (no reflink on the drive, the source gone) deletes the volume, so its capacity
 * goes back to the drive and nothing of the request stays.
 *
 * @throws {FailedPreconditionError} with the node server's reason when the copy failed
 * @throws {AbortedError} when the copy is still running after the wait
 */
export async function awaitContent(
  deps: ControllerDeps,
  id: string,
  resolved: ResolvedSource,
  ctx: CallContext,
): Promise<void> {
  const { state } = await waitForCopy(
    resolved.label,
    () => deps.kube.volumes.get(id, { signal: ctx.signal }),
    (v) => copyStateOf(v.status.conditions),
    { ...deps.copyWait, signal: ctx.signal },
  );
  if (state.state === "done") return;
  const request: csi.DeleteVolumeRequest = { volumeId: id, secrets: {} };
  await deleteVolume(deps, request, ctx);
  throw new FailedPreconditionError(state.message);
}
