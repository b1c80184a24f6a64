/**
 * The wrapper every CSI call goes through, independent of gRPC: it logs the call, takes the
 * per-volume lock for mutating RPCs, runs the handler and maps what it throws to a gRPC
 * status through `status.ts`.
 */
import { UnimplementedError } from "../../lib/errors/mod.ts";
import type { Fields, Logger } from "../../lib/log/mod.ts";
import type { AnyHandler } from "./services.ts";
import { codeName, type RpcStatus, Status, toRpcStatus } from "./status.ts";
import { VolumeLocks } from "./volume_locks.ts";

/**
 * Mutating RPCs and the request field naming the volume they lock. Read-only RPCs
 * (NodeGetVolumeStats, ValidateVolumeCapabilities, ...) never take the lock, so periodic
 * stats calls do not make a concurrent stage or publish fail.
 */
export const VOLUME_LOCK_FIELDS: Readonly<Record<string, "volumeId" | "name" | "snapshotId">> = {
  CreateVolume: "name",
  DeleteVolume: "volumeId",
  ControllerPublishVolume: "volumeId",
  ControllerUnpublishVolume: "volumeId",
  ControllerExpandVolume: "volumeId",
  ControllerModifyVolume: "volumeId",
  NodeStageVolume: "volumeId",
  NodeUnstageVolume: "volumeId",
  NodePublishVolume: "volumeId",
  NodeUnpublishVolume: "volumeId",
  NodeExpandVolume: "volumeId",
  // Snapshot names share the lock table: a retried CreateSnapshot waits for the first.
  CreateSnapshot: "name",
  DeleteSnapshot: "snapshotId",
};

/**
 * RPCs whose call line is logged at debug. Other calls log at info, or warn when they fail;
 * INTERNAL failures always log at error with the stack.
 */
export const QUIET_METHODS: ReadonlySet<string> = new Set(["Probe"]);

/** Request fields that carry credentials (every `csi_secret` field of csi.proto). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(["secrets"]);

/** What replaces a non-empty secret field in logs. */
export const STRIPPED = "***stripped***";

/** A deep copy of a message with every secret field replaced by {@linkcode STRIPPED}. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.has(key) ? stripped(field) : redact(field);
  }
  return out;
}

function stripped(field: unknown): unknown {
  const empty = field === undefined || field === null ||
    (typeof field === "object" && Object.keys(field).length === 0);
  return empty ? field : STRIPPED;
}

/** The volume a call locks, or undefined for RPCs that take no lock or carry no id. */
export function lockKeyOf(method: string, request: object): string | undefined {
  const field = VOLUME_LOCK_FIELDS[method];
  if (!field) return undefined;
  const key = (request as Record<string, unknown>)[field];
  return typeof key === "string" && key !== "" ? key : undefined;
}

/** The outcome of one call: the handler's response, or the status to send. */
export type CallResult =
  | { ok: true; response: unknown }
  | { ok: false; status: RpcStatus };

/** The handler to run and the call's cancellation signal. */
export interface InvokeOptions {
  handler: AnyHandler | undefined;
  /** Aborted when the call is cancelled or its deadline passes. */
  signal: AbortSignal;
}

/** Dependencies of {@linkcode CallWrapper}. */
export interface CallWrapperOptions {
  logger: Logger;
  locks?: VolumeLocks;
  /** Monotonic milliseconds; `performance.now` by default. */
  now?: () => number;
}

/** Runs handlers with logging, per-volume locking and error mapping. */
export class CallWrapper {
  readonly #logger: Logger;
  readonly #now: () => number;
  /** The locks held by calls in flight. */
  readonly locks: VolumeLocks;

  constructor(options: CallWrapperOptions) {
    this.#logger = options.logger;
    this.locks = options.locks ?? new VolumeLocks();
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Runs the handler of CSI method `method` (`CreateVolume`) on `request`; a missing handler
   * answers UNIMPLEMENTED. Never throws: failures come back as a status.
   */
  async invoke(method: string, request: object, call: InvokeOptions): Promise<CallResult> {
    const { handler, signal } = call;
    const start = this.#now();
    const volume = lockKeyOf(method, request);
    const logger = this.#logger.with(volume === undefined ? { method } : { method, volume });
    const debug = logger.enabled("debug");
    if (debug) logger.debug("CSI request", { request: redact(request) });
    try {
      if (!handler) throw new UnimplementedError(`Method "${method}" is not implemented`);
      const run = () => handler(request, { signal, logger });
      const response = volume === undefined ? await run() : await this.locks.withLock(volume, run);
      if (debug) logger.debug("CSI response", { response: redact(response) });
      this.#logCall(logger, method, "info", { durationMs: this.#elapsed(start), code: "OK" });
      return { ok: true, response };
    } catch (err) {
      const status = toRpcStatus(err);
      const fields = {
        durationMs: this.#elapsed(start),
        code: codeName(status.code),
        error: status.message,
      };
      if (status.code === Status.INTERNAL) {
        logger.error("CSI call", {
          ...fields,
          stack: err instanceof Error ? err.stack : undefined,
        });
      } else {
        this.#logCall(logger, method, "warn", fields);
      }
      return { ok: false, status };
    }
  }

  #elapsed(start: number): number {
    return Math.round((this.#now() - start) * 1000) / 1000;
  }

  #logCall(logger: Logger, method: string, level: "info" | "warn", fields: Fields): void {
    if (QUIET_METHODS.has(method)) logger.debug("CSI call", fields);
    else logger[level]("CSI call", fields);
  }
}
