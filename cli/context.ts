/**
 * What the command tree is built from: the process's streams, environment, clock, files and a
 * way to connect to Kubernetes. `main.ts` builds the real one; tests build fakes.
 */
import type { FileStore } from "../lib/admin/mod.ts";
import type { KubeClient } from "../lib/k8s/mod.ts";
import type { AdminApi } from "./admin_api.ts";

/** A text sink (stdout, stderr). */
export interface Writer {
  write(text: string): void;
}

/** Which cluster to talk to (the global `--kubeconfig` and `--context` flags). */
export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

/** What {@link CliContext.serve} listens with. */
export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  handler: (request: Request) => Promise<Response>;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** A listening HTTP server. */
export interface Listening {
  /** The bound port. */
  port: number;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
}

/** Everything a command needs from the outside world. */
export interface CliContext {
  /** Connects to the cluster; called at most once per run, only by commands that need it. */
  connect(target: KubeTarget): Promise<KubeClient>;
  stdout: Writer;
  stderr: Writer;
  /** Whether stdout and stderr are terminals (colour, progress). */
  isTTY: { stdout: boolean; stderr: boolean };
  /** Terminal width, when known. */
  columns?: number;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  uuid(): string;
  files: FileStore;
  /** Current directory (migration backups). */
  cwd: string;
  /** Home directory (the install audit log); audit logging is skipped when unknown. */
  homeDir?: string;
  /** Version printed by `--version` and used for the default image tag. */
  version: string;
  /** The operations commands call; tests substitute stubs. */
  admin: AdminApi;
  /** Aborts long waits (SIGINT). */
  signal?: AbortSignal;
  /**
   * Reached after each migration step that wrote something; the real CLI kills itself there
   * when `DIRECTPV_FAILPOINT` names the step (tests of interrupted migrations).
   */
  failpoint?: (step: string) => void;
  /**
   * Serves HTTP (the dashboard).
   *
   * @throws {UnavailableError} when the address cannot be bound
   */
  serve?(options: ServeOptions): Promise<Listening>;
}
