/** Test support: a CliContext over a FakeKube, captured output and in-memory files. */
import { MemoryFiles } from "../lib/admin/testing.ts";
import type { KubeClient } from "../lib/k8s/mod.ts";
import { FakeKube } from "../lib/k8s/testing.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";
import { ADMIN, type AdminApi } from "./admin_api.ts";
import { runCli } from "./app.ts";
import type { CliContext, KubeTarget } from "./context.ts";

export { MemoryFiles };

/** A context for tests and what it captured. */
export interface TestCli {
  ctx: CliContext;
  kube: FakeKube;
  files: MemoryFiles;
  /** Targets `connect` was called with. */
  targets: KubeTarget[];
  stdout(): string;
  stderr(): string;
  /** Runs the CLI and returns the exit code. */
  run(...argv: string[]): Promise<number>;
}

/** Options of {@link testCli}. */
export interface TestCliOptions {
  kube?: FakeKube;
  /** What `connect` returns instead of `kube` (a real API server's client). */
  connectTo?: KubeClient;
  admin?: Partial<AdminApi>;
  tty?: boolean;
  env?: Record<string, string>;
  now?: Date;
  uuids?: string[];
  homeDir?: string;
}

/** A CLI wired to a FakeKube, memory files and captured streams (no colour, no TTY). */
export function testCli(options: TestCliOptions = {}): TestCli {
  const kube = options.kube ?? new FakeKube();
  const files = new MemoryFiles();
  const out: string[] = [];
  const err: string[] = [];
  const targets: KubeTarget[] = [];
  const uuids = [...(options.uuids ?? [])];
  let counter = 0;
  const ctx: CliContext = {
    connect: (target) => {
      targets.push(target);
      return Promise.resolve(options.connectTo ?? kube as KubeClient);
    },
    stdout: { write: (s) => out.push(s) },
    stderr: { write: (s) => err.push(s) },
    isTTY: { stdout: options.tty ?? false, stderr: options.tty ?? false },
    columns: 100,
    env: options.env ?? {},
    now: () => options.now ?? new Date("2025-01-02T03:04:05.678Z"),
    uuid: () => uuids.shift() ?? `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`,
    files,
    cwd: "/work",
    homeDir: options.homeDir ?? "/home/user",
    version: RELEASE_TAG,
    admin: { ...ADMIN, ...options.admin },
  };
  return {
    ctx,
    kube,
    files,
    targets,
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    run: (...argv) => runCli(argv, ctx),
  };
}
