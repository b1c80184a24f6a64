/** Parsers for `/run/udev/data/b<maj>:<min>`, `/proc/swaps` and `/proc/sys/dev/cdrom/info`. */
import { unescapeMountField } from "../sys/mod.ts";

/**
 * Parses a udev database file into its `E:` properties (`ID_MODEL` → `QEMU_HARDDISK`).
 * Other record kinds (`S:` links, `I:`, `G:`...) are ignored.
 *
 * @example parseUdevData("E:ID_VENDOR=ATA\n").ID_VENDOR === "ATA"
 */
export function parseUdevData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("E:")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out[line.slice(2, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** The device paths listed in `/proc/swaps` (its first column, header skipped). */
export function parseSwaps(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n").slice(1)) {
    const first = line.trim().split(/\s+/)[0];
    if (first) out.add(unescapeMountField(first));
  }
  return out;
}

/** The drive names on the `drive name:` line of `/proc/sys/dev/cdrom/info`. */
export function parseCdromInfo(text: string): Set<string> {
  for (const line of text.split("\n")) {
    const m = /^drive name:\s*(.*)$/.exec(line);
    if (m) return new Set((m[1] ?? "").split(/\s+/).filter((s) => s !== ""));
  }
  return new Set();
}
