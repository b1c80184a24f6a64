/**
 * kubectl-directpv entry point: the only place that reads the process's arguments and
 * environment, builds the real Kubernetes client and file access, and exits.
 */
import type { FileStore } from "../lib/admin/mod.ts";
import { UnavailableError } from "../lib/errors/mod.ts";
import { connectKube } from "../lib/k8s/mod.ts";
import { createRealHost } from "../lib/sys/mod.ts";
import type { CliContext, Listening, ServeOptions, Writer } from "./context.ts";
import { EXIT_CODES } from "./exit_codes.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";

function writerOf(file: typeof Deno.stdout | typeof Deno.stderr): Writer {
  const encoder = new TextEncoder();
  return {
    write(text: string) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    },
  };
}

// The CLI's files go through the Host's file interface, with its error mapping.
const files: FileStore = createRealHost().fs;

function serve(options: ServeOptions): Promise<Listening> {
  const where = `${options.hostname}:${options.port}`;
  try {
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      ...(options.signal ? { signal: options.signal } : {}),
    }, options.handler);
    return Promise.resolve({ port: (server.addr as Deno.NetAddr).port, finished: server.finished });
  } catch (err) {
    const why = err instanceof Deno.errors.AddrInUse ? "the address is in use" : String(err);
    return Promise.reject(new UnavailableError(`Cannot listen on ${where}: ${why}`));
  }
}

function columns(): number | undefined {
  try {
    return Deno.stderr.isTerminal() ? Deno.consoleSize().columns : undefined;
  } catch {
    return undefined;
  }
}

function interrupts(): AbortSignal {
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => {
    if (controller.signal.aborted) Deno.exit(EXIT_CODES.failure);
    Deno.stderr.writeSync(new TextEncoder().encode("Exiting on signal interrupt\n"));
    controller.abort();
  });
  return controller.signal;
}

// `--version` alone is answered before the command tree and its libraries are loaded.
if (Deno.args.length === 1 && Deno.args[0] === "--version") {
  writerOf(Deno.stdout).write(`${RELEASE_TAG}\n`);
  Deno.exit(EXIT_CODES.success);
}

/**
 * `DIRECTPV_FAILPOINT=<step>[@<n>]` kills this process with SIGKILL the n-th time (default the
 * first) a migration reaches that step: how the tests interrupt a migration midway. Unset, it
 * does nothing.
 */
function failpoint(spec: string | undefined): ((step: string) => void) | undefined {
  if (!spec) return undefined;
  const [name, count] = spec.split("@");
  let left = Number(count ?? "1");
  return (step) => {
    if (step === name && --left <= 0) Deno.kill(Deno.pid, "SIGKILL");
  };
}

const [{ runCli }, { ADMIN }] = await Promise.all([import("./app.ts"), import("./admin_api.ts")]);
const env = Deno.env.toObject();
const home = env["HOME"];
const cols = columns();
const ctx: CliContext = {
  connect: (target) =>
    connectKube({
      ...target,
      env: (name) => env[name],
      userAgent: `kubectl-directpv/${RELEASE_TAG}`,
    }),
  stdout: writerOf(Deno.stdout),
  stderr: writerOf(Deno.stderr),
  isTTY: { stdout: Deno.stdout.isTerminal(), stderr: Deno.stderr.isTerminal() },
  ...(cols !== undefined ? { columns: cols } : {}),
  env,
  now: () => new Date(),
  uuid: () => crypto.randomUUID(),
  files,
  cwd: Deno.cwd(),
  ...(home ? { homeDir: home } : {}),
  version: RELEASE_TAG,
  admin: ADMIN,
  signal: interrupts(),
  serve,
};
const kill = failpoint(env["DIRECTPV_FAILPOINT"]);
if (kill) ctx.failpoint = kill;

Deno.exit(await runCli(Deno.args, ctx));
