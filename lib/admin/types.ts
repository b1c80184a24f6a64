/** Shared shapes of the admin operations: reporting, file access and common options. */
import { NotFoundError } from "../errors/mod.ts";
import type { HostFs } from "../sys/mod.ts";

/** State of one unit of long-running work (a node, an init request, an installed object). */
export type ProgressState = "active" | "done" | "failed";

/**
 * Where admin operations report what they do. The CLI renders it as log lines and a
 * progress display on stderr; tests record it.
 */
export interface Reporter {
  /** An informational line (`Drive node1/sdb cordoned`). */
  info(message: string): void;
  /** A warning line (`Installing on unsupported Kubernetes v1.17`). */
  warn(message: string): void;
  /** Announces how many units of work follow. */
  begin?(total: number): void;
  /** A unit of work changed state; `done` and `failed` each complete one unit. */
  update?(key: string, state: ProgressState, message: string): void;
  /** The long-running work is over (success or not). */
  end?(): void;
}

/** A reporter that drops everything. */
export const silentReporter: Reporter = { info: () => {}, warn: () => {} };

/**
 * Files the CLI reads and writes (drives.yaml, the install audit log, migration backups): the
 * slice of the Host's file interface they need, with its errors.
 */
export type FileStore = Pick<HostFs, "readText" | "writeText" | "mkdir" | "rename" | "remove">;

/** Options every writing operation accepts. */
export interface WriteRunOptions {
  /** Send writes as server-side dry runs; nothing is persisted. */
  dryRun?: boolean;
  signal?: AbortSignal;
  reporter?: Reporter;
}

/** Nothing matched the selection (exit code 1, printed as a notice). */
export class NoMatchingResourcesError extends NotFoundError {
  constructor(message = "No matching resources found") {
    super(message);
  }
}

/** `{dryRun, signal}` without undefined members (for exactOptionalPropertyTypes). */
export function writeOptions(
  options: { dryRun?: boolean | undefined; signal?: AbortSignal | undefined },
): { dryRun?: boolean; signal?: AbortSignal } {
  return {
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** `{signal}` without an undefined member. */
export function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
