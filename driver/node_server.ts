/**
 * The `node-server` and `node-controller` roles, both over one node context. The node server
 * prepares `<app>/mnt` and the read-only tmpfs `<app>/tmp`, syncs drives with devices (through
 * the reconcile module) before it reports ready, runs the drive and volume reconcilers, serves
 * CSI Identity + Node, readiness and metrics, and when asked registers itself with the kubelet
 * and serves its own liveness check (no node-driver-registrar or livenessprobe sidecar needed).
 * The node controller runs the node and init-request reconcilers.
 */
import { errorMessage, InvalidArgumentError } from "../lib/errors/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { Host } from "../lib/sys/mod.ts";
import { type CsiServer, parseEndpoint, serveCsi } from "./csi/grpc_server.ts";
import { identityHandlers } from "./csi/identity.ts";
import { nodeHandlers } from "./csi/node.ts";
import { healthzHandler, type HttpServer, serveHttp } from "./http.ts";
import { csiSocketProbe } from "./liveness.ts";
import { checkNodeContext, type NodeContext } from "./node_context.ts";
import { type NodeHttpSettings, startNodeHttp } from "./node_http.ts";
import { startNodeLease } from "./node_lease.ts";
import { readinessCheck } from "./readiness.ts";
import { startNodeControllers, startNodeServerControllers } from "./reconcile/mod.ts";
import type { RunningServer } from "./controller_server.ts";
import { registrationSocketPath, startKubeletRegistration } from "./registration.ts";

/** How a process serving CSI Identity + Node listens (the node server and its legacy twin). */
export interface NodeCsiServing {
  endpoint: string;
  version: string;
  listenAddress: string;
  readinessPort: number;
  removeStaleSocket: (path: string) => Promise<void>;
  /** Narrows the CSI socket to its owner once it listens. */
  restrictSocket?: (path: string) => Promise<void>;
  /** Register with the kubelet (`--kubelet-registration-path`); not registered when omitted. */
  kubeletRegistration?: KubeletRegistrationSettings;
  /** Serve `/healthz` on this port (`--health-port`); not served when omitted. */
  healthPort?: number;
}

/** How the node server listens, and whom it tells when the node cannot work. */
export interface NodeServing extends NodeCsiServing, NodeHttpSettings {
  /** Called when the node cannot work (the drive sync failed); the caller stops and exits. */
  onFatal: (err: unknown) => void;
}

/** Where the node server registers itself with the kubelet. */
export interface KubeletRegistrationSettings {
  /** The CSI socket path the kubelet dials, as the host sees it. */
  endpoint: string;
  /** The kubelet's plugin registration directory (`<kubelet dir>/plugins_registry`). */
  registrationDir: string;
}

function checkPort(port: number | undefined, flag: string): void {
  if (port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535)) return;
  throw new InvalidArgumentError(`Invalid port "${port}" (${flag}): expected 0 to 65535`);
}

function checkAbsolute(path: string, what: string): void {
  if (!path.startsWith("/")) {
    throw new InvalidArgumentError(`Invalid ${what} "${path}": it must be an absolute path`);
  }
}

/**
 * Refuses serving settings no CSI node process can listen with, naming the flag.
 *
 * @throws {InvalidArgumentError} for a bad endpoint or port, or a relative registration path
 */
export function checkCsiServing(serving: NodeCsiServing): void {
  parseEndpoint(serving.endpoint);
  checkPort(serving.readinessPort, "--readiness-port");
  checkPort(serving.healthPort, "--health-port");
  const registration = serving.kubeletRegistration;
  if (registration) {
    checkAbsolute(registration.endpoint, "kubelet registration path (--kubelet-registration-path)");
    checkAbsolute(
      registration.registrationDir,
      "plugin registration directory (--plugin-registration-path)",
    );
  }
}

function checkServing(serving: NodeServing): void {
  checkCsiServing(serving);
  checkPort(serving.metricsPort, "--metrics-port");
  if (serving.metricsPort !== 0 && serving.metricsPort === serving.readinessPort) {
    throw new InvalidArgumentError(
      `Invalid metrics port "${serving.metricsPort}" (--metrics-port): the readiness port is the same`,
    );
  }
}

/** Creates `<app>/mnt` and mounts the read-only tmpfs at `<app>/tmp` (failure only logged). */
export async function prepareAppDirs(host: Host, logger: Logger): Promise<void> {
  await host.fs.mkdir(host.paths.app("mnt"), { recursive: true, mode: 0o755 });
  const tmp = host.paths.app("tmp");
  try {
    await host.fs.mkdir(tmp, { recursive: true, mode: 0o755 });
    const mounted = (await host.mounter.mountInfo()).some((m) =>
      m.mountPoint === tmp && m.fsType === "tmpfs"
    );
    if (!mounted) {
      await host.mounter.mount("tmpfs", tmp, { fsType: "tmpfs", options: ["ro", "size=1"] });
    }
  } catch (err) {
    logger.error("Cannot mount the read-only tmpfs for suspended volumes", {
      path: host.paths.unmap(tmp),
      error: errorMessage(err),
    });
  }
}

/** CSI Identity and Node on the endpoint. */
export function serveNodeCsi(
  ctx: NodeContext,
  serving: NodeCsiServing,
  ready: () => Promise<boolean>,
  logger: Logger,
): Promise<CsiServer> {
  return serveCsi({
    endpoint: serving.endpoint,
    logger,
    identity: identityHandlers({
      name: ctx.identity,
      version: serving.version,
      // CONTROLLER_SERVICE is a capability of the plugin, not of one socket: the plugin's
      // controller runs in its own Deployment, and clients that only see the node socket
      // (csi-sanity's node specs) learn from it that volumes can be created.
      controllerService: true,
      readiness: ready,
    }),
    node: nodeHandlers(ctx),
    removeStaleSocket: serving.removeStaleSocket,
    ...(serving.restrictSocket ? { restrictSocket: serving.restrictSocket } : {}),
  });
}

/** Serves `/healthz` (the CSI Probe on our own socket) when a health port is set. */
export function serveHealthz(serving: NodeCsiServing, logger: Logger): HttpServer | undefined {
  if (serving.healthPort === undefined) return undefined;
  return serveHttp({
    hostname: serving.listenAddress,
    port: serving.healthPort,
    handler: healthzHandler(csiSocketProbe(parseEndpoint(serving.endpoint)), logger),
    logger,
    name: "healthz",
  });
}

/** Starts the kubelet registration when asked for; a no-op stopper otherwise. */
export async function registerWithKubelet(
  ctx: Pick<NodeContext, "identity" | "host">,
  serving: NodeCsiServing,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const settings = serving.kubeletRegistration;
  if (!settings) return { stop: () => Promise.resolve() };
  return await startKubeletRegistration({
    driverName: ctx.identity,
    endpoint: settings.endpoint,
    socketPath: ctx.host.paths.host(
      registrationSocketPath(settings.registrationDir, ctx.identity),
    ),
    fs: ctx.host.fs,
    logger,
  });
}

type Part = { stop(): Promise<void> };

/** Serves HTTP, CSI, `/healthz` and the kubelet registration, pushing each onto `parts`. */
async function serveParts(
  ctx: NodeContext,
  serving: NodeServing,
  ready: () => Promise<boolean>,
  parts: Part[],
): Promise<RunningServer> {
  const http = startNodeHttp(ctx, serving, ready, ctx.logger);
  parts.push(http);
  const ports: Record<string, number> = { ...http.ports };
  const csi = await serveNodeCsi(ctx, serving, ready, ctx.logger);
  parts.push(csi);
  // Stopped before the CSI server, so no probe of ours is connected while it shuts down.
  const healthz = serveHealthz(serving, ctx.logger);
  if (healthz) {
    parts.push({ stop: () => healthz.shutdown() });
    ports["healthz"] = healthz.port;
  }
  // Registered only once the CSI socket listens: the kubelet dials it right away.
  parts.push(await registerWithKubelet(ctx, serving, ctx.logger));
  const stop = async () => {
    for (const part of [...parts].reverse()) await part.stop();
  };
  return { ports, socketPath: csi.socketPath, stop };
}

/**
 * Starts the node-server role.
 *
 * @throws {InvalidArgumentError} when the context or the serving settings are unusable
 */
export async function startNodeServer(
  node: NodeContext,
  serving: NodeServing,
): Promise<RunningServer> {
  checkNodeContext(node);
  checkServing(serving);
  const ctx = {
    ...node,
    logger: node.logger.with({ component: "node-server", node: node.nodeId }),
  };
  await prepareAppDirs(ctx.host, ctx.logger);
  const controllers = startNodeServerControllers(ctx);
  let synced = false;
  let stopping = false;
  controllers.synced.then(() => {
    synced = true;
    ctx.logger.info("Drives synced; node server is ready");
  }, (err) => {
    if (!stopping) serving.onFatal(err);
  });
  const ready = readinessCheck({ kube: ctx.kube, conditions: [() => synced] });
  // Started in order, stopped in reverse: the kubelet registration goes first, the drive
  // controllers last.
  const parts: Part[] = [controllers, startNodeLease(ctx.kube, ctx.nodeId, ctx.logger)];
  try {
    const running = await serveParts(ctx, serving, ready, parts);
    return {
      ...running,
      stop: () => {
        stopping = true;
        return running.stop();
      },
    };
  } catch (err) {
    stopping = true;
    for (const part of [...parts].reverse()) await part.stop();
    throw err;
  }
}

/** A running node controller. */
export interface RunningNodeController {
  stop(): Promise<void>;
}

/**
 * Starts the node-controller role: `<app>/mnt`, then the node and init-request reconcilers.
 *
 * @throws {InvalidArgumentError} when the context is unusable
 */
export async function startNodeController(node: NodeContext): Promise<RunningNodeController> {
  checkNodeContext(node);
  const logger = node.logger.with({ component: "node-controller", node: node.nodeId });
  await node.host.fs.mkdir(node.host.paths.app("mnt"), { recursive: true, mode: 0o755 });
  const controllers = startNodeControllers({ ...node, logger });
  controllers.synced.then(
    () => logger.info("Node controllers synced"),
    (err) => logger.error("Node controllers failed to start", { error: errorMessage(err) }),
  );
  return { stop: () => controllers.stop() };
}
