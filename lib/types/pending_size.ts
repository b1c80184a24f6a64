/**
 * Sizes the drive's allocation counts for volumes whose stored size does not say so yet,
 * recorded on the drive by the very write that moves the bytes from free to allocated
 * (annotation {@link ANNOTATIONS.pendingSizes}: JSON `{volume: bytes}`): an expansion in
 * flight, or a new volume sized by the drive's free space (no required bytes). A controller
 * killed between that write and the volume's write finds the entry when the call is retried
 * and neither reserves again nor guesses the size; whoever settles the volume (the call once
 * the volume is written, the node when it is deleted) removes the entry and gives back what
 * the volume does not use.
 */
import type { DirectPVDrive } from "./drive.ts";
import { ANNOTATIONS } from "./labels.ts";

/** The entries of a drive; an unreadable annotation counts as none (it is rewritten whole). */
export function pendingSizesOf(drive: Pick<DirectPVDrive, "metadata">): Record<string, number> {
  const text = drive.metadata.annotations?.[ANNOTATIONS.pendingSizes];
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(([, v]) => Number.isSafeInteger(v) && v > 0),
    ) as Record<string, number>;
  } catch {
    return {};
  }
}

/** The bytes the drive's allocation counts for a volume of `size` bytes. */
export function countedSize(
  drive: Pick<DirectPVDrive, "metadata">,
  volume: string,
  size: number,
): number {
  return Math.max(size, pendingSizesOf(drive)[volume] ?? 0);
}

/** Records (`bytes`) or removes (undefined) a volume's entry on a drive about to be written. */
export function setPendingSize(
  drive: DirectPVDrive,
  volume: string,
  bytes: number | undefined,
): void {
  const entries = pendingSizesOf(drive);
  if (bytes === undefined) delete entries[volume];
  else entries[volume] = bytes;
  const annotations = { ...drive.metadata.annotations };
  if (Object.keys(entries).length === 0) delete annotations[ANNOTATIONS.pendingSizes];
  else annotations[ANNOTATIONS.pendingSizes] = JSON.stringify(entries);
  drive.metadata.annotations = annotations;
}
