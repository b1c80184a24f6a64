/** The one mapping from API server failures (HTTP status + `Status` body) to domain errors. */
import {
  AlreadyExistsError,
  ConflictError,
  type DirectpvError,
  errorMessage,
  ExpiredError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
  UnimplementedError,
} from "../errors/mod.ts";

/** `metav1.Status`, the body of a failed request or a watch ERROR event. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; group?: string };
}

/** What was being done, for error messages. */
export interface RequestContext {
  /** Verb as a person says it: get, list, create, update, "update status of", patch, delete, watch. */
  verb: string;
  kind: string;
  name?: string;
  namespace?: string;
}

/** `update DirectPVDrive "abc"`, `get Pod "ns/name"`, `list Pod objects`. */
export function describeRequest(ctx: RequestContext): string {
  if (ctx.name === undefined || ctx.name === "") return `${ctx.verb} ${ctx.kind} objects`;
  const id = ctx.namespace ? `${ctx.namespace}/${ctx.name}` : ctx.name;
  return `${ctx.verb} ${ctx.kind} "${id}"`;
}

type ErrorClass = new (message: string, options?: { cause?: unknown }) => DirectpvError;

function classFor(code: number, reason: string | undefined): ErrorClass {
  if (code === 404) return NotFoundError;
  if (code === 409) return reason === "AlreadyExists" ? AlreadyExistsError : ConflictError;
  if (code === 400 || code === 422 || code === 415) return InvalidArgumentError;
  if (code === 401 || code === 403) return PermissionDeniedError;
  if (code === 410) return ExpiredError;
  if (code === 405 || code === 501) return UnimplementedError;
  if (code === 408 || code === 429 || code >= 500) return UnavailableError;
  return code >= 400 ? InvalidArgumentError : UnavailableError;
}

/**
 * The domain error for an HTTP failure: 404 NotFound, 409 AlreadyExists (reason) or Conflict,
 * 400/415/422 InvalidArgument, 401/403 PermissionDenied, 410 Expired, 405/501 Unimplemented,
 * 408/429/5xx Unavailable. The message names the request and carries the server's message.
 */
export function errorFromStatus(
  code: number,
  status: ApiStatus | undefined,
  ctx: RequestContext,
): DirectpvError {
  const Cls = classFor(code, status?.reason);
  const detail = status?.message?.trim() || status?.reason || `HTTP status ${code}`;
  return new Cls(`Cannot ${describeRequest(ctx)}: ${detail}`);
}

/** The domain error for a request that got no HTTP answer (refused, reset, TLS, DNS). */
export function errorFromNetwork(err: unknown, ctx: RequestContext): UnavailableError {
  return new UnavailableError(
    `Cannot ${describeRequest(ctx)}: the API server cannot be reached: ${errorMessage(err)}`,
    { cause: err },
  );
}

/** The message the API server uses for a group-qualified resource (`directpvdrives.directpv.min.io`). */
export function qualifiedResource(plural: string, group: string): string {
  return group === "" ? plural : `${plural}.${group}`;
}
