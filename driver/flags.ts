/**
 * The `directpv` driver's command line: the roles, DirectPV's flags plus ours, their parsing
 * into {@linkcode DriverOptions}, and the node context the node roles build from them.
 */
import {
  Command,
  CommanderError,
  InvalidArgumentError as UsageError,
  Option,
} from "@commander-js/extra-typings";
import { errorMessage } from "../lib/errors/mod.ts";
import type { KubeClient } from "../lib/k8s/mod.ts";
import type { Format, Logger } from "../lib/log/mod.ts";
import type { Host } from "../lib/sys/mod.ts";
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
import { RELEASE_TAG } from "../lib/version/mod.ts";
import { EventRecorder } from "./events.ts";
import type { NodeContext } from "./node_context.ts";
import { loopBackingDirFilter } from "./reconcile/mod.ts";
import type { RepairRequest } from "./repair.ts";

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
