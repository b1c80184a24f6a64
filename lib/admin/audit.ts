/**
 * The install audit log (reference §1.1): every object a live install wrote, as YAML, in
 * `~/.directpv/audit/install.log.<RFC3339Nano UTC>`, written to a temp file and renamed.
 */
import { objectsToYAML } from "../install/mod.ts";
import type { FileStore, Reporter } from "./types.ts";

/** Where and when an audit log is written. */
export interface AuditTarget {
  files: FileStore;
  /** The audit directory (`~/.directpv/audit`); created with mode 0700. */
  dir: string;
  now: Date;
}

/** RFC 3339 with fractional seconds and trailing zeros dropped, UTC (Go's RFC3339Nano). */
export function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(
    /\.([0-9]*?)0*Z$/,
    (_m, frac: string) => frac === "" ? "Z" : `.${frac}Z`,
  );
}

/** `install.log.<timestamp>`. */
export function auditFileName(now: Date): string {
  return `install.log.${rfc3339Nano(now)}`;
}

/**
 * Writes the objects to a fresh audit file. A failure is reported as a warning (the install
 * itself goes on); returns the path written, or undefined.
 */
export async function writeAuditLog(
  target: AuditTarget,
  objects: readonly object[],
  reporter: Reporter,
): Promise<string | undefined> {
  const path = `${target.dir}/${auditFileName(target.now)}`;
  const temp = `${target.dir}/.${auditFileName(target.now)}.tmp`;
  try {
    await target.files.mkdir(target.dir, { mode: 0o700, recursive: true });
    await target.files.writeText(temp, objects.length > 0 ? objectsToYAML(objects) : "", {
      mode: 0o600,
    });
    await target.files.rename(temp, path);
    return path;
  } catch (err) {
    reporter.warn(`Skipping audit logging: ${err instanceof Error ? err.message : String(err)}`);
    await target.files.remove(temp).catch(() => {});
    return undefined;
  }
}
