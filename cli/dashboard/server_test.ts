import assert from "node:assert/strict";
import type { ChangeKind } from "../../lib/admin/mod.ts";
import { dashboardHandler, type DashboardSource } from "./server.ts";

function source() {
  const listeners = new Set<(k: ChangeKind) => void>();
  const queries: unknown[] = [];
  const src: DashboardSource = {
    overview: () => ({
      nodes: [],
      drives: 0,
      volumes: 0,
      size: 0,
      allocated: 0,
      free: 0,
      byStatus: {},
      byHealth: { healthy: 0, failing: 0, lost: 0, busy: 0 },
    }),
    drives: (q) => (queries.push(q), { total: 0, offset: 0, items: [] }),
    volumes: () => ({ total: 0, offset: 0, items: [] }),
    events: () => [],
    nodes: () => ["n1"],
    api: () => ({ reachable: false, error: "refused", since: "2026-01-01T00:00:00Z" }),
    synced: () => true,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return { src, queries, emit: (k: ChangeKind) => listeners.forEach((l) => l(k)), listeners };
}

const ASSETS = { js: "terminal.log(1)", css: "body{}" };

function get(path: string, host = "127.0.0.1:7780", method = "GET") {
  return new Request(`http://${host}${path}`, { method, headers: { host } });
}

Deno.test("dashboardHandler() serves the page, assets and views with a strict policy", async () => {
  const { src, queries } = source();
  const h = dashboardHandler({ source: src, assets: ASSETS });
  const page = await h.handle(get("/"));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/app.js">/);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.equal(await (await h.handle(get("/app.js"))).text(), ASSETS.js);
  const res = await h.handle(get("/api/drives?text=sd&status=Error&sort=size&desc=true&limit=5"));
  assert.deepEqual(await res.json(), { total: 0, offset: 0, items: [] });
  assert.deepEqual(queries, [{ text: "sd", status: "Error", sort: "size", desc: true, limit: 5 }]);
  const overview = await (await h.handle(get("/api/overview"))).json();
  assert.ok(!overview.api.reachable, "the API status is passed on");
  assert.equal((await h.handle(get("/nope"))).status, 404);
});

Deno.test("dashboardHandler() refuses writes and hosts that are not loopback", async () => {
  const h = dashboardHandler({ source: source().src, assets: ASSETS });
  const post = await h.handle(get("/api/drives", "127.0.0.1:7780", "POST"));
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const rebound = await h.handle(get("/", "evil.example:7780"));
  assert.equal(rebound.status, 403);
  assert.match(await rebound.text(), /Host "evil.example" is not served/);
  assert.equal((await h.handle(get("/api/nodes", "localhost:7780"))).status, 200);
});

Deno.test("dashboardHandler() streams a hello, then coalesced changes", async () => {
  const { src, emit, listeners } = source();
  const h = dashboardHandler({ source: src, assets: ASSETS, coalesceMs: 10 });
  const res = await h.handle(get("/api/stream"));
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  assert.ok(reader);
  const first = await reader.read();
  assert.match(first.value ?? "", /^event: hello\ndata: \{"api":\{"reachable":false/);
  emit("drives");
  emit("drives");
  emit("events");
  const change = await reader.read();
  assert.match(change.value ?? "", /^event: change\ndata: \{"kinds":\["drives","events"\]/);
  h.close();
  assert.ok((await reader.read()).done, "the stream ended");
  assert.equal(listeners.size, 0, "the stream unsubscribed");
});
