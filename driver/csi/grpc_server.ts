/**
 * The CSI gRPC server: Identity plus Controller and/or Node on a unix socket, every call
 * going through one {@linkcode CallWrapper} (logging, per-volume lock, error mapping).
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import {
  DeadlineExceededError,
  InvalidArgumentError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import {
  ControllerDefinition,
  IdentityDefinition,
  type MessageFns,
  NodeDefinition,
} from "../../proto/mod.ts";
import { CallWrapper } from "./interceptor.ts";
import type {
  AnyHandler,
  ControllerHandlers,
  HandlersOf,
  IdentityHandlers,
  NodeHandlers,
} from "./services.ts";
import type { VolumeLocks } from "./volume_locks.ts";

/** What {@linkcode serveCsi} needs. */
export interface CsiServerOptions {
  /** `unix:///csi/csi.sock`, `unix:/csi/csi.sock` or a plain path. */
  endpoint: string;
  logger: Logger;
  identity: IdentityHandlers;
  /** Serve the Controller service with these handlers. */
  controller?: ControllerHandlers;
  /** Serve the Node service with these handlers. */
  node?: NodeHandlers;
  /**
   * Removes a socket file left by an earlier process; must succeed when there is none.
   * Injected because only `driver/main.ts` touches the file system directly.
   */
  removeStaleSocket: (path: string) => Promise<void>;
  /**
   * Narrows the new socket to its owner (mode 0600): the kubelet and the sidecars connect as
   * root, nobody else may call the driver. Injected like `removeStaleSocket`.
   */
  restrictSocket?: (path: string) => Promise<void>;
  locks?: VolumeLocks;
}

/** Options of {@linkcode CsiServer.stop}. */
export interface StopOptions {
  /** How long in-flight calls may finish before they are cancelled; 5000 ms by default. */
  timeoutMs?: number;
}

/** A running CSI server. */
export interface CsiServer {
  /** The unix socket path it listens on. */
  readonly socketPath: string;
  /** The wrapper every call goes through (its `locks` show calls in flight). */
  readonly calls: CallWrapper;
  /** Stops accepting calls, lets calls in flight finish until the timeout, then cancels them. */
  stop(options?: StopOptions): Promise<void>;
}

/**
 * The socket path of a CSI endpoint.
 *
 * @throws {InvalidArgumentError} for an empty endpoint or a scheme other than `unix`
 */
export function parseEndpoint(endpoint: string): string {
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(endpoint);
  if (!m) {
    if (endpoint === "") throw new InvalidArgumentError("Invalid CSI endpoint: it is empty");
    return endpoint;
  }
  const [, scheme = "", rest = ""] = m;
  if (scheme.toLowerCase() !== "unix") {
    throw new InvalidArgumentError(
      `Invalid CSI endpoint "${endpoint}": only unix sockets are supported`,
    );
  }
  const path = rest.startsWith("//") ? rest.slice(2) : rest;
  if (path === "") throw new InvalidArgumentError(`Invalid CSI endpoint "${endpoint}": no path`);
  return path;
}

/** One RPC of a generated service definition. */
export interface GenericMethod {
  name: string;
  requestType: MessageFns<object>;
  responseType: MessageFns<object>;
  requestStream: boolean;
  responseStream: boolean;
}

interface GenericService {
  fullName: string;
  methods: Record<string, GenericMethod>;
}

/** The unary RPCs of a service; streaming ones (SnapshotMetadata) are left unserved. */
function unaryMethods(service: GenericService): Array<[string, GenericMethod]> {
  return Object.entries(service.methods).filter(([, m]) => !m.requestStream && !m.responseStream);
}

/** The grpc-js definition of a generated service; replies go through `fromPartial`. */
function grpcDefinition(service: GenericService): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [key, method] of unaryMethods(service)) {
    out[key] = {
      path: `/${service.fullName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(method.requestType.encode(v).finish()),
      requestDeserialize: (b: Buffer) => decodeRequest(method, b),
      responseSerialize: (v: object) =>
        Buffer.from(method.responseType.encode(method.responseType.fromPartial(v)).finish()),
      responseDeserialize: (b: Buffer) => method.responseType.decode(b),
      originalName: method.name,
    };
  }
  return out;
}

/**
 * A request that could not be decoded. grpc-js answers INTERNAL when the deserializer throws,
 * so the failure travels to the handler as this value and is answered there.
 */
export class UndecodableRequest {
  constructor(readonly status: { code: grpc.status; details: string }) {}
}

/**
 * Decodes a request; a bad message becomes an {@linkcode UndecodableRequest}: OUT_OF_RANGE for
 * a 64-bit integer beyond what a JavaScript number holds exactly (2^53), INVALID_ARGUMENT for
 * anything else.
 */
export function decodeRequest(method: GenericMethod, bytes: Uint8Array): object {
  try {
    return method.requestType.decode(bytes);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unsafe = /SAFE_INTEGER/.test(message);
    return new UndecodableRequest({
      code: unsafe ? grpc.status.OUT_OF_RANGE : grpc.status.INVALID_ARGUMENT,
      details: unsafe
        ? `Invalid ${method.name} request: a number in it is out of range (${message})`
        : `Invalid ${method.name} request: it cannot be decoded (${message})`,
    });
  }
}

function unaryCall(
  calls: CallWrapper,
  method: GenericMethod,
  handler: AnyHandler | undefined,
): grpc.handleUnaryCall<object, object> {
  return (call, callback) => {
    if (call.request instanceof UndecodableRequest) return callback(call.request.status);
    const controller = new AbortController();
    const cancel = () =>
      controller.abort(
        new DeadlineExceededError(`Call "${method.name}" was cancelled or timed out`),
      );
    call.once("cancelled", cancel);
    if (call.cancelled) cancel();
    void calls.invoke(method.name, call.request, { handler, signal: controller.signal }).then(
      (result) => {
        call.removeListener("cancelled", cancel);
        if (result.ok) callback(null, result.response as object);
        else callback({ code: result.status.code, details: result.status.message });
      },
    );
  };
}

function implementation(
  calls: CallWrapper,
  service: GenericService,
  handlers: object,
): grpc.UntypedServiceImplementation {
  const table = handlers as Record<string, unknown>;
  const out: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of unaryMethods(service)) {
    const fn = table[key];
    const handler: AnyHandler | undefined = typeof fn === "function"
      ? (request, ctx) => fn.call(handlers, request, ctx)
      : undefined;
    out[key] = unaryCall(calls, method, handler);
  }
  return out;
}

/** A generated service as grpc-js wants it: its definition and its implementation. */
export interface GrpcService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/**
 * Adapts a generated service definition and its handlers to grpc-js: each RPC decodes the
 * request, runs through `calls`, and encodes the (partial) reply with protobuf defaults.
 */
export function grpcService<M>(
  calls: CallWrapper,
  definition: { fullName: string; methods: M },
  handlers: HandlersOf<M>,
): GrpcService {
  const service = definition as unknown as GenericService;
  return {
    definition: grpcDefinition(service),
    implementation: implementation(calls, service, handlers),
  };
}

function addService<M>(
  server: grpc.Server,
  calls: CallWrapper,
  definition: { fullName: string; methods: M },
  handlers: HandlersOf<M>,
): void {
  const { definition: def, implementation: impl } = grpcService(calls, definition, handlers);
  server.addService(def, impl);
}

/**
 * Makes `server` listen on the unix socket `socketPath` (`what` names it in the error).
 *
 * @throws {UnavailableError} when the socket cannot be listened on
 */
export function bindUnix(server: grpc.Server, socketPath: string, what = "CSI"): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => {
      if (!err) return resolve();
      reject(
        new UnavailableError(`Cannot listen on ${what} socket "${socketPath}": ${err.message}`, {
          cause: err,
        }),
      );
    });
  });
}

/**
 * Starts the CSI server: removes a stale socket, registers Identity and whichever of
 * Controller and Node have handlers, and listens.
 *
 * @throws {InvalidArgumentError} for a bad endpoint
 * @throws {UnavailableError} when the socket cannot be listened on
 */
export async function serveCsi(options: CsiServerOptions): Promise<CsiServer> {
  const socketPath = parseEndpoint(options.endpoint);
  const logger = options.logger;
  const calls = new CallWrapper(
    options.locks ? { logger, locks: options.locks } : { logger },
  );
  const server = new grpc.Server();
  addService(server, calls, IdentityDefinition, options.identity);
  if (options.controller) addService(server, calls, ControllerDefinition, options.controller);
  if (options.node) addService(server, calls, NodeDefinition, options.node);
  await options.removeStaleSocket(socketPath);
  await bindUnix(server, socketPath);
  await options.restrictSocket?.(socketPath);
  const services = ["Identity", options.controller && "Controller", options.node && "Node"];
  logger.info("CSI server listening", {
    endpoint: socketPath,
    services: services.filter(Boolean).join(","),
  });
  return {
    socketPath,
    calls,
    stop: (stopOptions) => stop(server, logger, stopOptions?.timeoutMs ?? 5000),
  };
}

function stop(server: grpc.Server, logger: Logger, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (fields: { forced: boolean }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      logger.info("CSI server stopped", fields);
      resolve();
    };
    const timer = setTimeout(() => {
      server.forceShutdown();
      finish({ forced: true });
    }, timeoutMs);
    server.tryShutdown(() => finish({ forced: false }));
  });
}
