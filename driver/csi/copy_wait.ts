/**
 * Waiting for a copy the node server makes (a clone, a restore, a snapshot): the controller
 * writes the object, the node server of the drive copies by reflink and records the outcome
 * in the object's conditions. Reflink copies take milliseconds to seconds, so the CSI call
 * waits for it; a copy still running when the wait ends gives ABORTED, and the sidecar's
 * retry (idempotent by name) waits again.
 */
import { AbortedError, NotFoundError } from "../../lib/errors/mod.ts";
import { sleep } from "../../lib/k8s/mod.ts";
import type { CopyState, KubeObject } from "../../lib/types/mod.ts";

/** How long a call waits for the node server's copy, and how often it looks. */
export interface CopyWaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Default wait for a copy: long enough for reflink copies of big trees. */
export const COPY_WAIT_MS = 60_000;
const COPY_POLL_MS = 100;

/**
 * Reads the object until its copy is done or failed; returns the last object read and its state.
 *
 * @throws {AbortedError} when the copy is still pending after the wait (naming `what`)
 * @throws {NotFoundError} when the object vanished meanwhile
 */
export async function waitForCopy<T extends KubeObject>(
  what: string,
  read: () => Promise<T>,
  stateOf: (object: T) => CopyState,
  options: CopyWaitOptions = {},
): Promise<{ object: T; state: Exclude<CopyState, { state: "pending" }> }> {
  const deadline = Date.now() + (options.timeoutMs ?? COPY_WAIT_MS);
  for (;;) {
    const object = await read();
    const state = stateOf(object);
    if (state.state !== "pending") return { object, state };
    if (object.metadata.deletionTimestamp) throw new NotFoundError(`${what} is being deleted`);
    if (Date.now() >= deadline || options.signal?.aborted) {
      throw new AbortedError(`${what}: the node server has not finished copying yet; retry`);
    }
    await sleep(options.intervalMs ?? COPY_POLL_MS, options.signal);
  }
}
