/** `/proc/<pid>/mountinfo` parsing and formatting (proc(5)). Pure functions. */
import type { MountInfoEntry } from "./host.ts";

/** Decodes the octal escapes the kernel writes for space, tab, newline and backslash. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Encodes a field the way the kernel does (`\040` for a space). */
export function escapeMountField(field: string): string {
  return field.replace(
    /[ \t\n\\]/g,
    (ch) => `\\${ch.charCodeAt(0).toString(8).padStart(3, "0")}`,
  );
}

function splitOptions(text: string): string[] {
  return text === "" ? [] : text.split(",").map(unescapeMountField);
}

function parseLine(line: string, lineNo: number): MountInfoEntry {
  const fields = line.split(" ");
  const dash = fields.indexOf("-", 6);
  if (fields.length < 10 || dash < 0 || fields.length < dash + 3) {
    throw new SyntaxError(`Cannot parse mountinfo line ${lineNo}: "${line}"`);
  }
  const mountId = Number(fields[0]);
  const parentId = Number(fields[1]);
  const majorMinor = fields[2] ?? "";
  if (!Number.isInteger(mountId) || !Number.isInteger(parentId) || !/^\d+:\d+$/.test(majorMinor)) {
    throw new SyntaxError(`Cannot parse mountinfo line ${lineNo}: "${line}"`);
  }
  return {
    mountId,
    parentId,
    majorMinor,
    root: unescapeMountField(fields[3] ?? ""),
    mountPoint: unescapeMountField(fields[4] ?? ""),
    mountOptions: splitOptions(fields[5] ?? ""),
    fsType: unescapeMountField(fields[dash + 1] ?? ""),
    source: unescapeMountField(fields[dash + 2] ?? ""),
    superOptions: splitOptions(fields.slice(dash + 3).join(" ")),
  };
}

/**
 * Parses mountinfo text; blank lines are skipped.
 *
 * @throws {SyntaxError} on a malformed line
 * @example parseMountInfo("36 35 98:0 / /mnt rw - xfs /dev/sdb rw")[0].mountPoint === "/mnt"
 */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() !== "") out.push(parseLine(line, i + 1));
  });
  return out;
}

/** Formats entries as mountinfo text (the inverse of `parseMountInfo`). */
export function formatMountInfo(entries: readonly MountInfoEntry[]): string {
  return entries.map((e) =>
    [
      e.mountId,
      e.parentId,
      e.majorMinor,
      escapeMountField(e.root),
      escapeMountField(e.mountPoint),
      e.mountOptions.map(escapeMountField).join(","),
      "-",
      escapeMountField(e.fsType),
      escapeMountField(e.source),
      e.superOptions.map(escapeMountField).join(","),
    ].join(" ") + "\n"
  ).join("");
}

/** Concatenates mount tables, dropping entries identical in every field. */
export function mergeMountInfo(...tables: readonly MountInfoEntry[][]): MountInfoEntry[] {
  const seen = new Set<string>();
  const out: MountInfoEntry[] = [];
  for (const entry of tables.flat()) {
    const key = JSON.stringify(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}
