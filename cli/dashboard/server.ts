/**
 * The dashboard's HTTP side, as a plain request handler: the page and its bundled assets,
 * JSON views computed by lib/admin's DashboardModel, and a server-sent event stream that
 * tells the page which kind of object changed (coalesced), so it fetches only the page of
 * rows it shows. Read-only: GET and HEAD only. Requests whose Host is not a loopback name are
 * refused (a web page elsewhere cannot reach it through DNS rebinding), and the page may load
 * nothing but its own assets (Content-Security-Policy).
 */
import type {
  ApiStatus,
  ChangeKind,
  DriveRow,
  EventRow,
  Overview,
  Page,
  TableQuery,
  VolumeRow,
} from "../../lib/admin/mod.ts";

/** What the handler reads from (a DashboardModel). */
export interface DashboardSource {
  overview(): Overview;
  drives(query: TableQuery): Page<DriveRow>;
  volumes(query: TableQuery): Page<VolumeRow>;
  events(limit: number): EventRow[];
  nodes(): string[];
  api(): ApiStatus;
  synced(): boolean;
  onChange(listener: (kind: ChangeKind) => void): () => void;
}

/** The bundled page assets. */
export interface DashboardAssets {
  js: string;
  css: string;
}

/** Options of {@link dashboardHandler}. */
export interface DashboardHandlerOptions {
  source: DashboardSource;
  assets: DashboardAssets;
  /** Changes closer together than this are sent as one message (default 250 ms). */
  coalesceMs?: number;
  /** Period of the keep-alive comment on the stream (default 15 s). */
  heartbeatMs?: number;
}

/** A handler and a way to end its open streams. */
export interface DashboardHandler {
  handle(request: Request): Promise<Response>;
  /** Ends every event stream (before the server shuts down). */
  close(): void;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DirectPV</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

function reply(body: string, type: string, status = 200): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, "content-type": type } });
}

function json(value: unknown): Response {
  return reply(JSON.stringify(value), "application/json");
}

function tableQuery(params: URLSearchParams): TableQuery {
  const query: TableQuery = {};
  for (const key of ["text", "node", "status", "health", "sort"] as const) {
    const value = params.get(key);
    if (value) query[key] = value;
  }
  if (params.get("desc") === "true") query.desc = true;
  for (const key of ["offset", "limit"] as const) {
    const n = Number(params.get(key) ?? "");
    if (params.has(key) && Number.isInteger(n) && n >= 0) query[key] = n;
  }
  return query;
}

/** Builds the request handler; see the module doc. */
export function dashboardHandler(options: DashboardHandlerOptions): DashboardHandler {
  const { source, assets } = options;
  const streams = new Set<() => void>();
  const routes: Record<string, (params: URLSearchParams) => Response> = {
    "/": () => reply(PAGE, "text/html; charset=utf-8"),
    "/app.js": () => reply(assets.js, "text/javascript; charset=utf-8"),
    "/app.css": () => reply(assets.css, "text/css; charset=utf-8"),
    "/api/overview": () =>
      json({ overview: source.overview(), api: source.api(), synced: source.synced() }),
    "/api/drives": (p) => json(source.drives(tableQuery(p))),
    "/api/volumes": (p) => json(source.volumes(tableQuery(p))),
    "/api/events": (p) => json(source.events(Number(p.get("limit") ?? "") || 100)),
    "/api/nodes": () => json(source.nodes()),
    "/api/stream": () => eventStream(options, streams),
  };
  return {
    handle: (request) => {
      const url = new URL(request.url);
      const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "");
      if (!LOOPBACK_HOSTS.has(host)) {
        return Promise.resolve(reply(`Host "${host}" is not served\n`, "text/plain", 403));
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        return Promise.resolve(reply("The dashboard is read-only\n", "text/plain", 405));
      }
      const route = routes[url.pathname];
      if (!route) return Promise.resolve(reply("Not found\n", "text/plain", 404));
      return Promise.resolve(route(url.searchParams));
    },
    close: () => {
      for (const end of [...streams]) end();
    },
  };
}

/** The change stream: `hello`, then `change` messages naming the kinds that changed. */
function eventStream(options: DashboardHandlerOptions, streams: Set<() => void>): Response {
  const { source } = options;
  const encoder = new TextEncoder();
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => controller.enqueue(encoder.encode(text));
      const message = (event: string, data: unknown) =>
        send(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let pending = new Set<ChangeKind>();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        timer = undefined;
        message("change", { kinds: [...pending], api: source.api(), synced: source.synced() });
        pending = new Set();
      };
      const unsubscribe = source.onChange((kind) => {
        pending.add(kind);
        timer ??= setTimeout(flush, options.coalesceMs ?? 250);
      });
      const heartbeat = setInterval(() => send(": ping\n\n"), options.heartbeatMs ?? 15_000);
      end = () => {
        unsubscribe();
        clearInterval(heartbeat);
        if (timer !== undefined) clearTimeout(timer);
        streams.delete(end);
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      };
      streams.add(end);
      message("hello", { api: source.api(), synced: source.synced() });
    },
    cancel() {
      end();
    },
  });
  return new Response(body, {
    headers: { ...SECURITY_HEADERS, "content-type": "text/event-stream" },
  });
}
