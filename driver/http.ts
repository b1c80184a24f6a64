/**
 * The driver's small HTTP endpoints: readiness (`GET /ready` → 200 or 503, other methods
 * 405), liveness (`/healthz` → the CSI Probe, as the livenessprobe sidecar answers it) and
 * metrics (any path, Prometheus text). Handlers are plain functions so they are tested
 * without a socket; {@linkcode serveHttp} binds them.
 */
import { errorMessage } from "../lib/errors/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import { HEALTHZ_PATH, READINESS_PATH } from "../lib/types/mod.ts";
import type { NodeMetrics } from "./metrics.ts";

/** A request handler. */
export type HttpHandler = (request: Request) => Promise<Response>;

/** Tells whether the process is ready; a rejection counts as not ready. */
export type ReadinessCheck = () => Promise<boolean>;

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** `GET /ready`: 200 when `ready()` resolves true, else 503; other methods 405. */
export function readinessHandler(ready: ReadinessCheck): HttpHandler {
  return async (request) => {
    if (new URL(request.url).pathname !== READINESS_PATH) return text(404, "not found\n");
    if (request.method !== "GET") return text(405, "method not allowed\n", { allow: "GET" });
    const ok = await ready().catch(() => false);
    return ok ? text(200, "ready\n") : text(503, "not ready\n");
  };
}

/** Asks the CSI Identity Probe whether the plugin is ready; rejects when it cannot be asked. */
export type CsiProbe = (timeoutMs: number) => Promise<boolean>;

/** The livenessprobe sidecar's default `--probe-timeout`. */
export const PROBE_TIMEOUT_MS = 1000;

/**
 * `/healthz` (any method), as livenessprobe answers it: 200 `ok` when the Probe says ready,
 * 500 with the error when the Probe fails, 500 `driver responded but is not ready` when it
 * says not ready; other paths 404.
 */
export function healthzHandler(
  probe: CsiProbe,
  logger: Logger,
  timeoutMs = PROBE_TIMEOUT_MS,
): HttpHandler {
  return async (request) => {
    if (new URL(request.url).pathname !== HEALTHZ_PATH) return text(404, "not found\n");
    let ready: boolean;
    try {
      ready = await probe(timeoutMs);
    } catch (err) {
      logger.error("Health check failed", { error: errorMessage(err) });
      return text(500, errorMessage(err));
    }
    if (!ready) {
      logger.warn("Health check: the driver responded but is not ready");
      return text(500, "driver responded but is not ready");
    }
    return text(200, "ok");
  };
}

/** Prometheus text for GET or HEAD at any path; other methods 405. */
export function metricsHandler(metrics: NodeMetrics, logger: Logger): HttpHandler {
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    try {
      const body = await metrics.registry.metrics();
      metrics.countScrape(200);
      return new Response(request.method === "HEAD" ? null : body, {
        status: 200,
        headers: { "content-type": metrics.registry.contentType },
      });
    } catch (err) {
      logger.error("Cannot collect metrics", { error: errorMessage(err) });
      metrics.countScrape(500);
      return text(500, `Cannot collect metrics: ${errorMessage(err)}\n`);
    }
  };
}

/** Where and what to serve. */
export interface HttpServeOptions {
  /** Address to bind (`0.0.0.0`, `127.0.0.1`). */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  handler: HttpHandler;
  logger: Logger;
  /** A name for logs (`readiness`, `metrics`). */
  name: string;
}

/** A listening HTTP server. */
export interface HttpServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops listening and waits for connections in flight. */
  shutdown(): Promise<void>;
}

/** Starts an HTTP server; it stops when `shutdown()` is called. */
export function serveHttp(options: HttpServeOptions): HttpServer {
  const { logger, name } = options;
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: () => {},
    onError: (err) => {
      logger.error("HTTP handler failed", { server: name, error: errorMessage(err) });
      return text(500, "internal error\n");
    },
  }, (request) => options.handler(request));
  const addr = server.addr as Deno.NetAddr;
  logger.info("HTTP server listening", { server: name, address: `${addr.hostname}:${addr.port}` });
  return {
    port: addr.port,
    shutdown: async () => {
      await server.shutdown();
      logger.info("HTTP server stopped", { server: name });
    },
  };
}
