import assert from "node:assert/strict";
import { captureLogger } from "../lib/log/testing.ts";
import { DRIVE_METRICS, LABELS, STATS_METRICS } from "../lib/types/mod.ts";
import { drive, GiB, MemoryEvents, volume } from "./csi/fixtures_test.ts";
import { createNodeMetrics, type DriveStatsResult, type MetricsSource } from "./metrics.ts";
import { metricsHandler, readinessHandler } from "./http.ts";

function source(overrides: Partial<MetricsSource> = {}): MetricsSource & { events: MemoryEvents } {
  const published = volume("pvc-1", { drive: "d1", size: 4 * GiB, target: "/t", staging: "/s" });
  published.metadata.labels = { ...published.metadata.labels, [LABELS.tenant]: "acme" };
  const unpublished = volume("pvc-2", { drive: "d1", staging: "/s2" });
  const otherNode = volume("pvc-3", { drive: "d9", node: "node-2", target: "/t3" });
  const stats: Record<string, DriveStatsResult> = {
    d1: {
      found: true,
      stats: {
        readBytes: 1024,
        writeBytes: 2048,
        readLatencySeconds: 1.5,
        writeLatencySeconds: 2.5,
        waitTimeSeconds: 0.25,
      },
    },
    d2: { found: true, stats: undefined },
    d3: { found: false, reason: "no device carries its filesystem UUID" },
  };
  return {
    nodeId: "node-1",
    volumes: { list: () => [published, unpublished, otherNode] },
    drives: {
      list: () => [drive("d1"), drive("d2"), drive("d3"), drive("d9", { node: "node-2" })],
    },
    volumeUsedBytes: (v) => Promise.resolve(v.metadata.name === "pvc-1" ? GiB : 0),
    driveStats: (d) =>
      Promise.resolve(stats[d.metadata.name ?? ""] ?? { found: false, reason: "?" }),
    logger: captureLogger().logger,
    events: new MemoryEvents(),
    ...overrides,
  } as MetricsSource & { events: MemoryEvents };
}

Deno.test("createNodeMetrics() exports DirectPV's series from the caches", async () => {
  const src = source();
  const text = await createNodeMetrics(src).registry.metrics();
  const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  const expected = [
    'directpv_stats_bytes_used{tenant="acme",volumeID="pvc-1",node="node-1"} 1073741824',
    'directpv_stats_bytes_total{tenant="acme",volumeID="pvc-1",node="node-1"} 4294967296',
    'directpv_stats_drive_ready{drive="d1"} 1',
    'directpv_stats_drive_ready{drive="d2"} 0',
    'directpv_stats_drive_total_read_bytes{drive="d1"} 1024',
    'directpv_stats_drive_total_write_bytes{drive="d1"} 2048',
    'directpv_stats_drive_read_latency_seconds{drive="d1"} 1.5',
    'directpv_stats_drive_write_latency_seconds{drive="d1"} 2.5',
    'directpv_stats_drive_wait_time_seconds{drive="d1"} 0.25',
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing ${line}\n${text}`);
  assert.ok(!text.includes("pvc-2"), "unpublished volumes are not exported");
  assert.ok(!text.includes("pvc-3") && !text.includes('"d9"'), "other nodes are not exported");
  assert.doesNotMatch(text, /directpv_stats_\w+\{drive="d3"/, "no device, no DirectPV series");
  assert.ok(text.includes("# TYPE directpv_stats_drive_total_read_bytes counter"));
  assert.ok(text.includes("# TYPE directpv_stats_bytes_used gauge"));
  assert.deepEqual(src.events.reasons(), ["Metrics"]);
  assert.match(src.events.events[0]?.message ?? "", /Cannot collect metrics of drive d3/);
});

Deno.test("createNodeMetrics() recomputes on every scrape and skips unreadable usage", async () => {
  let used = GiB;
  const src = source({
    volumeUsedBytes: () => used < 0 ? Promise.reject(new Error("quota")) : Promise.resolve(used),
  });
  const metrics = createNodeMetrics(src);
  assert.match(await metrics.registry.metrics(), /bytes_used\{[^}]*\} 1073741824/);
  used = 2 * GiB;
  assert.match(await metrics.registry.metrics(), /bytes_used\{[^}]*\} 2147483648/);
  used = -1;
  const text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /directpv_stats_bytes_used\{/);
  assert.match(text, /directpv_stats_bytes_total\{[^}]*\} 4294967296/);
});

Deno.test("metricsHandler() serves any path and counts scrapes; other methods get 405", async () => {
  const metrics = createNodeMetrics(source());
  const handler = metricsHandler(metrics, captureLogger().logger);
  for (const path of ["/metrics", "/directpv/metrics", "/"]) {
    const res = await handler(new Request(`http://x${path}`));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    assert.match(await res.text(), /directpv_stats_drive_ready/);
  }
  const text = await (await handler(new Request("http://x/"))).text();
  assert.match(text, /promhttp_metric_handler_requests_total\{code="200"\} 3/);
  const post = await handler(new Request("http://x/metrics", { method: "POST" }));
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("createNodeMetrics() adds process metrics on request", async () => {
  const text = await createNodeMetrics(source(), { processMetrics: true }).registry.metrics();
  assert.match(text, /process_resident_memory_bytes \d+/);
  assert.match(text, /process_start_time_seconds \d+/);
  assert.match(text, /process_cpu_seconds_total [\d.]+/);
});

Deno.test("readinessHandler() answers GET /ready with 200 or 503, other methods 405", async (t) => {
  let ready = false;
  const handler = readinessHandler(() => Promise.resolve(ready));
  const call = async (method: string, path = "/ready") => {
    const res = await handler(new Request(`http://x${path}`, { method }));
    await res.body?.cancel();
    return res.status;
  };
  await t.step("not ready", async () => assert.equal(await call("GET"), 503));
  ready = true;
  await t.step("ready", async () => assert.equal(await call("GET"), 200));
  await t.step("POST", async () => assert.equal(await call("POST"), 405));
  await t.step("other path", async () => assert.equal(await call("GET", "/healthz"), 404));
  await t.step("failing check", async () => {
    const failing = readinessHandler(() => Promise.reject(new Error("api down")));
    const res = await failing(new Request("http://x/ready"));
    await res.body?.cancel();
    assert.equal(res.status, 503);
  });
});

Deno.test("createNodeMetrics() exports every metric the alerts and the dashboard use", async () => {
  const text = await createNodeMetrics(source()).registry.metrics();
  for (const name of [...Object.values(STATS_METRICS), ...Object.values(DRIVE_METRICS)]) {
    assert.match(text, new RegExp(`# TYPE ${name} (counter|gauge)\n`), name);
  }
});
