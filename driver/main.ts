/**
 * The `directpv` driver binary: `controller`, `node-server` and `node-controller` roles, their
 * DirectCSI twins `legacy-controller` and `legacy-node-server` (which serve under the legacy
 * identity `direct-csi-min-io`), and the one-shot `repair <DRIVE-ID>`, with DirectPV's flags
 * plus ours. The only place that reads the process arguments, builds the
 * real Host and Kubernetes client, listens for signals and exits.
 */
import { dirname } from "node:path";
import {
  Command,
  CommanderError,
  InvalidArgumentError as UsageError,
  Option,
} from "@commander-js/extra-typings";
import { errorMessage } from "../lib/errors/mod.ts";
import { connectKube, type KubeClient } from "../lib/k8s/mod.ts";
import { type Format, type Level, Logger } from "../lib/log/mod.ts";
import { createRealHost, type Host } from "../lib/sys/mod.ts";
import {
  APP_ROOT_DIR,
  CONTROLLER_NAME,
  IDENTITY,
  KUBELET_DIR,
  LEGACY_IDENTITY,
  METRICS_PORT,
  READINESS_PORT,
} from "../lib/types/mod.ts";
import { QUOTA_POLICIES, type QuotaPolicy } from "../lib/xfs/mod.ts";
import { startControllerServer } from "./controller_server.ts";
import { EventRecorder } from "./events.ts";
import { startLegacyNodeServer } from "./legacy_node_server.ts";
import type { NodeContext } from "./node_context.ts";
import {
  type NodeCsiServing,
  type NodeServing,
  startNodeController,
  startNodeServer,
} from "./node_server.ts";
import { loopBackingDirFilter } from "./reconcile/mod.ts";
import { repairDrive, type RepairRequest } from "./repair.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";

/** The roles the binary runs. */
export type Role =
  | "controller"
  | "node-server"
  | "node-controller"
  | "legacy-controller"
  | "legacy-node-server"
  | "repair";

/** The long-running roles and what `--help` says of each. */
const SERVING_ROLES = {
  "controller": "Run the controller",
  "node-server": "Run the node-server",
  "node-controller": "Run the node-controller",
  "legacy-controller": `Run the controller of DirectCSI volumes (identity ${LEGACY_IDENTITY})`,
  "legacy-node-server": `Run the node server of DirectCSI volumes (identity ${LEGACY_IDENTITY})`,
} as const;

/** Every flag, parsed. */
export interface DriverOptions {
  kubeconfig?: string;
  identity: string;
  csiEndpoint: string;
  kubeNodeName: string;
  rack: string;
  zone: string;
  region: string;
  readinessPort: number;
  metricsPort: number;
  listenAddress: string;
  verbosity: number;
  allowLoopDevices: boolean;
  quota: QuotaPolicy;
  appDir: string;
  /** The kubelet's root directory (node server). */
  kubeletDir: string;
  loopBackingDir?: string;
  /** Seconds between drive health checks (node server). */
  healthInterval: number;
  /** The CSI socket path on the host: set, the node server registers with the kubelet. */
  kubeletRegistrationPath?: string;
  /** The kubelet's plugin registration directory. */
  pluginRegistrationPath: string;
  /** Port of the node server's own `/healthz`; not served when unset. */
  healthPort?: number;
  /** The node server also runs the node controllers (one process per node instead of two). */
  withNodeController: boolean;
  logFormat: Format;
  /** The controller retires nodes whose Node object is deleted. */
  retireDeletedNodes?: boolean;
  /** The `repair` subcommand's argument and flags (only with that role). */
  repair?: RepairRequest;
}

/** Exit codes: success, failure, usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Where the parser writes and what it calls. */
export interface ProgramIo {
  out: (text: string) => void;
  err: (text: string) => void;
  run: (role: Role, options: DriverOptions) => Promise<number>;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`Invalid port "${value}"`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`Invalid level "${value}"`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `Invalid interval "${value}": expected a whole number of seconds, 1 or more`,
    );
  }
  return n;
}

function rootCommand(io: ProgramIo) {
  return new Command("directpv")
    .description("Driver for direct-attached drives: CSI controller and node servers")
    .version(RELEASE_TAG, "--version", "Print the version and exit")
    .option("-k, --kubeconfig <path>", "Path to the kubeconfig file")
    .option("--identity <name>", "Identity (CSI driver name) of this plugin", IDENTITY)
    .option("--csi-endpoint <endpoint>", "CSI endpoint", "unix:///csi/csi.sock")
    .option("--kube-node-name <name>", "Kubernetes node name (required)")
    .option("--rack <rack>", "Rack ID of the drives", "default")
    .option("--zone <zone>", "Zone ID of the drives", "default")
    .option("--region <region>", "Region ID of the drives", "default")
    .option("--readiness-port <port>", "Readiness port", port, READINESS_PORT)
    .option("--metrics-port <port>", "Metrics port", port, METRICS_PORT)
    .option("--listen-address <address>", "Address the HTTP endpoints bind", "0.0.0.0")
    .option("-v, --verbosity <level>", "Log verbosity; 4 and above log debug records", integer, 3)
    .option("--allow-loop-devices", "Let loop devices back drives (test clusters)")
    .addOption(
      new Option("--quota <policy>", "Project quota policy").choices(QUOTA_POLICIES).default(
        "required" as QuotaPolicy,
      ),
    )
    .option("--app-dir <dir>", "Directory of drive mounts and the tmpfs", APP_ROOT_DIR)
    .option(
      "--kubelet-dir <dir>",
      "The kubelet's root directory; the node server mounts only below it",
      KUBELET_DIR,
    )
    .option("--loop-backing-dir <dir>", "Only loop devices backed by files under this directory")
    .option("--health-interval <seconds>", "Seconds between drive health checks", seconds, 30)
    .option(
      "--kubelet-registration-path <path>",
      "Register the node server with the kubelet, which dials the CSI socket at this host path",
    )
    .option(
      "--plugin-registration-path <dir>",
      "The kubelet's plugin registration directory (with --kubelet-registration-path)",
      `${KUBELET_DIR}/plugins_registry`,
    )
    .option("--health-port <port>", "Serve the node server's /healthz (CSI Probe) here", port)
    .option(
      "--with-node-controller",
      "The node server also runs the node controllers, in its own process",
    )
    .option(
      "--retire-deleted-nodes",
      "Controller: when a Node is deleted, retire it (drives Lost; PVs, PVCs and pods deleted)",
    )
    .addOption(
      new Option("--log-format <format>", "Log format").choices(["json", "text"] as const).default(
        "json" as const,
      ),
    )
    .addOption(
      new Option("--conversion-healthz-url <url>", "Unused; accepted for DirectPV").hideHelp(),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
}

/** Rewrites klog-style `-v=3`/`--v=3` into `--verbosity 3`. */
export function normalizeArgs(argv: readonly string[]): string[] {
  return argv.flatMap((a) => {
    const m = /^--?v=(\d+)$/.exec(a);
    return m ? ["--verbosity", m[1] as string] : [a];
  });
}

/** The global options of a subcommand, or a usage error message. */
function globalOptions(cmd: { optsWithGlobals(): object }): DriverOptions | string {
  const parsed = cmd.optsWithGlobals() as
    & Omit<
      DriverOptions,
      "allowLoopDevices" | "withNodeController"
    >
    & {
      allowLoopDevices?: boolean;
      withNodeController?: boolean;
      force?: boolean;
      disablePrefetch?: boolean;
      dryRun?: boolean;
    };
  const { force: _f, disablePrefetch: _p, dryRun: _d, ...rest } = parsed;
  const all: DriverOptions = {
    ...rest,
    allowLoopDevices: parsed.allowLoopDevices === true,
    withNodeController: parsed.withNodeController === true,
  };
  return all.kubeNodeName ? all : "value to --kube-node-name must be provided";
}

/** The `repair` request from its arguments, or a usage error message (DirectPV's wording). */
function repairRequest(
  ids: string[],
  flags: { force?: boolean; disablePrefetch?: boolean; dryRun?: boolean },
): RepairRequest | string {
  const [driveId, ...more] = ids;
  if (!driveId) return "DRIVE-ID must be provided";
  if (more.length > 0) return "only one DRIVE-ID must be provided";
  return {
    driveId,
    force: flags.force === true,
    disablePrefetch: flags.disablePrefetch === true,
    dryRun: flags.dryRun === true,
  };
}

/**
 * Parses `argv` and runs the chosen role through `io.run`; resolves with the exit code.
 * Usage errors (unknown flags, a missing `--kube-node-name`, bad `repair` arguments) exit 2.
 */
export async function runProgram(argv: readonly string[], io: ProgramIo): Promise<number> {
  const program = rootCommand(io);
  let code: number = EXIT.ok;
  const usage = (message: string) => {
    io.err(`Error: ${message}\n`);
    code = EXIT.usage;
  };
  for (const [role, description] of Object.entries(SERVING_ROLES)) {
    program.command(role).description(description).action(async (_opts, cmd) => {
      const all = globalOptions(cmd);
      if (typeof all === "string") return usage(all);
      code = await io.run(role as keyof typeof SERVING_ROLES, all);
    });
  }
  program.command("repair").description("Repair the XFS filesystem of a drive of this node")
    .argument("[DRIVE-ID...]", "The drive to repair (exactly one)")
    .option("--force", "Zero the filesystem log (xfs_repair -L)")
    .option("--disable-prefetch", "Disable prefetching (xfs_repair -P)")
    .option("--dry-run", "Check only, change nothing (xfs_repair -n)")
    .action(async (ids, flags, cmd) => {
      const all = globalOptions(cmd);
      if (typeof all === "string") return usage(all);
      const repair = repairRequest(ids, flags);
      if (typeof repair === "string") return usage(repair);
      code = await io.run("repair", { ...all, repair });
    });
  try {
    await program.parseAsync(normalizeArgs(argv), { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      const done = ["commander.version", "commander.helpDisplayed", "commander.help"];
      return done.includes(err.code) ? EXIT.ok : EXIT.usage;
    }
    io.err(`Error: ${errorMessage(err)}\n`);
    return EXIT.failure;
  }
  return code;
}

function stderrLogger(options: DriverOptions): Logger {
  const encoder = new TextEncoder();
  const level: Level = options.verbosity >= 4 ? "debug" : "info";
  return new Logger({
    level,
    format: options.logFormat,
    sink: (line) => void Deno.stderr.writeSync(encoder.encode(line + "\n")),
  });
}

/** Socket files: owner only. The kubelet and the sidecars connect as root. */
const SOCKET_MODE = 0o600;
/** A socket directory the driver creates itself: owner only. */
const SOCKET_DIR_MODE = 0o700;

/**
 * Makes the socket's directory (owner only when this creates it; an existing one, such as
 * the kubelet's hostPath, keeps its mode) and removes a socket left by an earlier process.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const dir = dirname(path);
  const existed = await Deno.stat(dir).then(() => true, () => false);
  await Deno.mkdir(dir, { recursive: true, mode: SOCKET_DIR_MODE });
  if (!existed) await Deno.chmod(dir, SOCKET_DIR_MODE);
  try {
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function restrictSocket(path: string): Promise<void> {
  await Deno.chmod(path, SOCKET_MODE);
}

interface Stoppable {
  stop(): Promise<void>;
}

/** What the controller and the node server are both given. */
interface ServerCommon {
  endpoint: string;
  version: string;
  listenAddress: string;
  readinessPort: number;
  removeStaleSocket: typeof removeStaleSocket;
  restrictSocket: typeof restrictSocket;
}

/** What the node context is built over: the process's clients and its logger. */
export interface NodeIo {
  kube: KubeClient;
  host: Host;
  logger: Logger;
}

/** The node context of every node role, from the flags: built once per process. */
export function nodeContextOf(options: DriverOptions, io: NodeIo): NodeContext {
  const { kube, host, logger } = io;
  return {
    nodeId: options.kubeNodeName,
    identity: options.identity,
    topology: { rack: options.rack, zone: options.zone, region: options.region },
    kube,
    host,
    logger,
    events: new EventRecorder(kube, {
      component: CONTROLLER_NAME,
      logger,
      host: options.kubeNodeName,
    }),
    quota: options.quota,
    allowLoop: options.allowLoopDevices,
    ...(options.loopBackingDir
      ? { deviceFilter: loopBackingDirFilter(host, options.loopBackingDir) }
      : {}),
    kubeletDir: options.kubeletDir,
    healthIntervalMs: options.healthInterval * 1000,
  };
}

function connect(options: DriverOptions): Promise<KubeClient> {
  return connectKube({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    userAgent: `directpv/${RELEASE_TAG}`,
  });
}

async function startRole(
  role: Role,
  options: DriverOptions,
  logger: Logger,
  onFatal: (err: unknown) => void,
): Promise<Stoppable> {
  const kube = await connect(options);
  const common: ServerCommon = {
    endpoint: options.csiEndpoint,
    version: RELEASE_TAG,
    listenAddress: options.listenAddress,
    readinessPort: options.readinessPort,
    removeStaleSocket,
    restrictSocket,
  };
  if (role === "controller" || role === "legacy-controller") {
    const legacy = role === "legacy-controller";
    const identity = legacy ? LEGACY_IDENTITY : options.identity;
    return await startControllerServer({
      ...common,
      kube,
      logger,
      identity,
      legacy,
      ...(options.retireDeletedNodes && !legacy ? { retireDeletedNodes: true } : {}),
    });
  }
  const host = createRealHost({ appDir: options.appDir });
  const node = nodeContextOf(options, { kube, host, logger });
  if (role === "node-controller") return await startNodeController(node);
  if (role === "legacy-node-server") {
    return await startLegacyNodeServer(node, csiServing(options, common));
  }
  const server = await startNodeServer(node, nodeServing(options, common, onFatal));
  if (!options.withNodeController) return server;
  const controllers = await startNodeController(node);
  return {
    async stop() {
      await Promise.allSettled([controllers.stop(), server.stop()]);
    },
  };
}

/** How both CSI node roles (`node-server`, `legacy-node-server`) listen, from the flags. */
function csiServing(options: DriverOptions, common: ServerCommon): NodeCsiServing {
  return {
    ...common,
    ...(options.kubeletRegistrationPath
      ? {
        kubeletRegistration: {
          endpoint: options.kubeletRegistrationPath,
          registrationDir: options.pluginRegistrationPath,
        },
      }
      : {}),
    ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
  };
}

function nodeServing(
  options: DriverOptions,
  common: ServerCommon,
  onFatal: (err: unknown) => void,
): NodeServing {
  return {
    ...csiServing(options, common),
    metricsPort: options.metricsPort,
    processMetrics: true,
    onFatal,
  };
}

/** Runs `repair` once: exit 0 when the drive was repaired and mounted again, else 1. */
async function runRepair(options: DriverOptions): Promise<number> {
  const logger = stderrLogger(options).with({ role: "repair" });
  const request = options.repair;
  if (!request) return EXIT.usage;
  try {
    const kube = await connect(options);
    const host = createRealHost({ appDir: options.appDir });
    await repairDrive(nodeContextOf(options, { kube, host, logger }), request);
    return EXIT.ok;
  } catch (err) {
    logger.error("Repair failed", { drive: request.driveId, error: errorMessage(err) });
    return EXIT.failure;
  }
}

/** Runs a role until SIGINT/SIGTERM (or a fatal error), then stops it gracefully. */
async function runRole(role: Role, options: DriverOptions): Promise<number> {
  if (role === "repair") return await runRepair(options);
  const logger = stderrLogger(options).with({ role });
  logger.info("Starting", { version: RELEASE_TAG, node: options.kubeNodeName });
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const onFatal = (err: unknown) => {
    logger.error("Fatal error", { error: errorMessage(err) });
    finish(EXIT.failure);
  };
  let running: Stoppable;
  try {
    running = await startRole(role, options, logger, onFatal);
  } catch (err) {
    logger.error("Cannot start", { error: errorMessage(err) });
    return EXIT.failure;
  }
  const onSignal = (signal: Deno.Signal) => () => {
    logger.info("Shutting down", { signal });
    finish(EXIT.ok);
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((s) => [s, onSignal(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  const code = await finished;
  for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  const force = setTimeout(() => Deno.exit(EXIT.failure), 15_000);
  await running.stop().catch((err) => logger.error("Stop failed", { error: errorMessage(err) }));
  clearTimeout(force);
  logger.info("Stopped");
  return code;
}

if (import.meta.main) {
  const encoder = new TextEncoder();
  const code = await runProgram(Deno.args, {
    out: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    err: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    run: runRole,
  });
  Deno.exit(code);
}
