/**
 * Volume expansions in flight, recorded on the drive by the very write that moves their extra
 * bytes from free to allocated (annotation {@link ANNOTATIONS.expansions}: JSON `{volume:
 * bytes}`, the size the drive's allocation counts for the volume). A controller killed between
 * that write and the volume's new size finds the entry when the call is retried and does not
 * reserve the bytes again; whoever settles the volume (the expansion once the size is written,
 * the node when the volume is deleted) removes the entry and gives back what the volume does
 * not use.
 */
import type { DirectPVDrive } from "./drive.ts";
import { ANNOTATIONS } from "./labels.ts";

/** The entries of a drive; an unreadable annotation counts as none (it is rewritten whole). */
export function expansionsOf(drive: Pick<DirectPVDrive, "metadata">): Record<string, number> {
  const text = drive.metadata.annotations?.[ANNOTATIONS.expansions];
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
  return Math.max(size, expansionsOf(drive)[volume] ?? 0);
}

/** Records (`bytes`) or removes (undefined) a volume's entry on a drive about to be written. */
export function setExpansion(
  drive: DirectPVDrive,
  volume: string,
  bytes: number | undefined,
): void {
  const entries = expansionsOf(drive);
  if (bytes === undefined) delete entries[volume];
  else entries[volume] = bytes;
  const annotations = { ...drive.metadata.annotations };
  if (Object.keys(entries).length === 0) delete annotations[ANNOTATIONS.expansions];
  else annotations[ANNOTATIONS.expansions] = JSON.stringify(entries);
  drive.metadata.annotations = annotations;
}
