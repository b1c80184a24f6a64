/**
 * The `directpv` driver binary: `controller`, `node-server` and `node-controller` roles, their
 * DirectCSI twins `legacy-controller` and `legacy-node-server` (which serve under the legacy
 * identity `direct-csi-min-io`), and the one-shot `repair <DRIVE-ID>`, with the flags of
 * `flags.ts`. The only place that reads the process arguments, builds the real Host,
 * Kubernetes client and node context, listens for signals and exits.
 */
import { dirname } from "node:path";
import { errorMessage } from "../lib/errors/mod.ts";
import { connectKube, type KubeClient } from "../lib/k8s/mod.ts";
import { type Level, Logger } from "../lib/log/mod.ts";
import { createRealHost } from "../lib/sys/mod.ts";
import { LEGACY_IDENTITY } from "../lib/types/mod.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";
import { startControllerServer } from "./controller_server.ts";
import { type DriverOptions, EXIT, nodeContextOf, type Role, runProgram } from "./flags.ts";
import { startLegacyNodeServer } from "./legacy_node_server.ts";
import {
  type NodeCsiServing,
  type NodeServing,
  startNodeController,
  startNodeServer,
} from "./node_server.ts";
import { repairDrive } from "./repair.ts";

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
