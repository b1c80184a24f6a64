/**
 * Kubelet plugin registration done by the node server itself, as node-driver-registrar does
 * it beside a CSI driver: the kubelet's pluginregistration v1 `Registration` service on a
 * unix socket in the kubelet's `plugins_registry` directory. The kubelet's plugin watcher
 * notices the socket, calls GetInfo (type `CSIPlugin`, the driver name, the CSI socket it
 * should dial, supported versions `1.0.0`) and reports the outcome with
 * NotifyRegistrationStatus, which is logged.
 *
 * A stale socket is removed before listening, the socket is removed on stop, and it is created
 * again when it disappears (a kubelet that starts with an emptied `plugins_registry`): the
 * plugin watcher registers a plugin when its socket is created.
 */
import * as grpc from "@grpc/grpc-js";
import { errorMessage } from "../lib/errors/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { HostFs } from "../lib/sys/mod.ts";
import { type InfoRequest, type PluginInfo, RegistrationDefinition } from "../proto/mod.ts";
import { bindUnix, grpcService } from "./csi/grpc_server.ts";
import { CallWrapper } from "./csi/interceptor.ts";
import type { HandlersOf, Reply } from "./csi/services.ts";

/** The plugin type of a CSI driver in PluginInfo. */
export const CSI_PLUGIN_TYPE = "CSIPlugin";
/** The plugin API versions reported, as node-driver-registrar reports them. */
export const SUPPORTED_VERSIONS: readonly string[] = ["1.0.0"];
/** How often the socket's presence is checked by default. */
export const SOCKET_CHECK_INTERVAL_MS = 5000;

/** The registration socket of a driver: `<dir>/<driver>-reg.sock`, as the registrar names it. */
export function registrationSocketPath(dir: string, driverName: string): string {
  return `${dir.replace(/\/+$/, "")}/${driverName}-reg.sock`;
}

/** What the kubelet last said about the registration. */
export interface RegistrationState {
  /** undefined until the kubelet has reported. */
  registered?: boolean;
  error?: string;
}

/** Options of {@linkcode startKubeletRegistration}. */
export interface KubeletRegistrationOptions {
  /** CSI driver name, the plugin name the kubelet registers. */
  driverName: string;
  /** The CSI socket path as the kubelet sees it on the host. */
  endpoint: string;
  /** Path to listen on (`registrationSocketPath(...)`, mapped under the Host root). */
  socketPath: string;
  /** File access for the socket's directory, stale socket and presence check. */
  fs: Pick<HostFs, "chmod" | "mkdir" | "remove" | "stat">;
  logger: Logger;
  /** How often to check that the socket still exists; {@link SOCKET_CHECK_INTERVAL_MS}. */
  checkIntervalMs?: number;
}

/** A running registration server. */
export interface KubeletRegistration {
  readonly socketPath: string;
  /** The kubelet's latest verdict. */
  state(): RegistrationState;
  /** Stops serving and removes the socket. */
  stop(): Promise<void>;
}

type Handlers = HandlersOf<typeof RegistrationDefinition.methods>;

/** The Registration handlers: the plugin's info, and the kubelet's verdict passed to `onStatus`. */
export function registrationHandlers(
  o: Pick<KubeletRegistrationOptions, "driverName" | "endpoint">,
  onStatus: (state: Required<RegistrationState>) => void,
): Handlers {
  return {
    getInfo(_request: InfoRequest): Promise<Reply<PluginInfo>> {
      return Promise.resolve({
        type: CSI_PLUGIN_TYPE,
        name: o.driverName,
        endpoint: o.endpoint,
        supportedVersions: [...SUPPORTED_VERSIONS],
      });
    },
    notifyRegistrationStatus(request) {
      onStatus({ registered: request.pluginRegistered, error: request.error });
      return Promise.resolve({});
    },
  };
}

async function removeIfPresent(fs: KubeletRegistrationOptions["fs"], path: string): Promise<void> {
  if (await fs.stat(path) !== undefined) await fs.remove(path);
}

function logStatus(logger: Logger, state: Required<RegistrationState>): void {
  if (state.registered) {
    logger.info("Registered with the kubelet");
  } else {
    // The kubelet retries while the socket stays; the error says what to fix.
    logger.error("The kubelet refused the registration", { error: state.error });
  }
}

/**
 * Serves the Registration service on `socketPath` until stopped, re-creating the socket when
 * it disappears.
 *
 * @throws {UnavailableError} when the socket cannot be listened on
 */
export async function startKubeletRegistration(
  o: KubeletRegistrationOptions,
): Promise<KubeletRegistration> {
  const logger = o.logger.with({ component: "kubelet-registration", socket: o.socketPath });
  let state: RegistrationState = {};
  const handlers = registrationHandlers(o, (next) => {
    state = next;
    logStatus(logger, next);
  });
  const service = grpcService(new CallWrapper({ logger }), RegistrationDefinition, handlers);
  const listen = async (): Promise<grpc.Server> => {
    await o.fs.mkdir(o.socketPath.slice(0, o.socketPath.lastIndexOf("/")), { recursive: true });
    await removeIfPresent(o.fs, o.socketPath);
    const server = new grpc.Server();
    server.addService(service.definition, service.implementation);
    await bindUnix(server, o.socketPath, "registration");
    // Only the kubelet (root) reads the registration socket.
    await o.fs.chmod(o.socketPath, 0o600);
    return server;
  };
  let server = await listen();
  logger.info("Registration socket listening", { endpoint: o.endpoint, driver: o.driverName });
  const watch = watchSocket(o, logger, async () => {
    server.forceShutdown();
    state = {};
    server = await listen();
    logger.info("Registration socket created again");
  });
  return {
    socketPath: o.socketPath,
    state: () => ({ ...state }),
    stop: async () => {
      await watch.stop();
      server.forceShutdown();
      await removeIfPresent(o.fs, o.socketPath).catch((err) =>
        logger.warn("Cannot remove the registration socket", { error: errorMessage(err) })
      );
      logger.info("Registration socket removed");
    },
  };
}

/** Checks every interval that the socket exists and calls `recreate` when it does not. */
function watchSocket(
  o: KubeletRegistrationOptions,
  logger: Logger,
  recreate: () => Promise<void>,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> = Promise.resolve();
  const check = async () => {
    if (await o.fs.stat(o.socketPath) !== undefined) return;
    logger.warn("Registration socket disappeared; creating it again");
    await recreate();
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = check()
        .catch((err) =>
          logger.error("Registration socket check failed", { error: errorMessage(err) })
        )
        .finally(schedule);
    }, o.checkIntervalMs ?? SOCKET_CHECK_INTERVAL_MS);
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
