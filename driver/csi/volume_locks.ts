/**
 * Per-volume operation locks: at most one mutating CSI call per volume at a time. A second
 * call is refused at once (ABORTED) rather than queued, so the caller's own retry and
 * back-off decide what happens next, as the CSI spec recommends.
 */
import { AbortedError } from "../../lib/errors/mod.ts";

/** The set of volume ids with an operation in flight. */
export class VolumeLocks {
  readonly #held = new Set<string>();

  /** Takes the lock on `volumeId`; false when it is already held. */
  tryAcquire(volumeId: string): boolean {
    if (this.#held.has(volumeId)) return false;
    this.#held.add(volumeId);
    return true;
  }

  /** Releases the lock on `volumeId` (a no-op when not held). */
  release(volumeId: string): void {
    this.#held.delete(volumeId);
  }

  /** Whether an operation on `volumeId` is in flight. */
  isHeld(volumeId: string): boolean {
    return this.#held.has(volumeId);
  }

  /** How many volumes are locked. */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Runs `fn` holding the lock on `volumeId` and releases it afterwards, also on error.
   *
   * @throws {AbortedError} when an operation on the volume is already in progress
   */
  async withLock<T>(volumeId: string, fn: () => Promise<T>): Promise<T> {
    if (!this.tryAcquire(volumeId)) {
      throw new AbortedError(`An operation on volume "${volumeId}" is already in progress`);
    }
    try {
      return await fn();
    } finally {
      this.release(volumeId);
    }
  }
}
