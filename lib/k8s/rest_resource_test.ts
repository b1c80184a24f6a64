import assert from "node:assert/strict";
import { NotFoundError } from "../errors/mod.ts";
import { KNOWN_KINDS, resolveKind } from "./kinds.ts";
import { type RestRequest, RestResource, type Transport } from "./rest_resource.ts";
import { errorFromStatus } from "./status_errors.ts";
import type { AnyObject } from "./types.ts";

/** A transport that records requests and answers from a queue. */
class RecordingTransport implements Transport {
  readonly requests: RestRequest[] = [];
  readonly answers: unknown[] = [];
  streamBody = "";

  json(request: RestRequest): Promise<unknown> {
    this.requests.push(request);
    const answer = this.answers.shift() ?? {};
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  stream(request: RestRequest): Promise<ReadableStream<Uint8Array>> {
    this.requests.push(request);
    const bytes = new TextEncoder().encode(this.streamBody);
    return Promise.resolve(
      new ReadableStream({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
      }),
    );
  }

  summary(): string[] {
    return this.requests.map((r) =>
      [r.method, r.path, r.contentType, r.body === undefined ? undefined : JSON.stringify(r.body)]
        .filter((x) => x !== undefined).join(" ")
    );
  }
}

const cm = (name: string, extra: Partial<AnyObject> = {}): AnyObject => ({
  metadata: { name, namespace: "ns", resourceVersion: "5" },
  ...extra,
});

Deno.test("RestResource sends each verb to the right path", async () => {
  const tr = new RecordingTransport();
  const pods = new RestResource<AnyObject>(tr, KNOWN_KINDS.pods);
  await pods.get("p", { namespace: "ns" });
  await pods.create(cm("p"), { dryRun: true });
  await pods.update(cm("p"));
  await pods.updateStatus(cm("p"));
  await pods.patch("p", [{ op: "remove", path: "/x" }], { namespace: "ns", type: "json" });
  await pods.patch("p", { a: 1 }, { namespace: "ns", type: "strategic" });
  await pods.patch("p", { a: 1 });
  await pods.delete("p", { namespace: "ns", propagationPolicy: "Background" });
  await pods.deleteCollection({ namespace: "ns", labelSelector: { a: "b" }, dryRun: true });
  assert.deepEqual(tr.summary(), [
    "GET /api/v1/namespaces/ns/pods/p",
    'POST /api/v1/namespaces/ns/pods?dryRun=All {"metadata":{"name":"p","namespace":"ns","resourceVersion":"5"},"apiVersion":"v1","kind":"Pod"}',
    'PUT /api/v1/namespaces/ns/pods/p {"metadata":{"name":"p","namespace":"ns","resourceVersion":"5"},"apiVersion":"v1","kind":"Pod"}',
    'PUT /api/v1/namespaces/ns/pods/p/status {"metadata":{"name":"p","namespace":"ns","resourceVersion":"5"},"apiVersion":"v1","kind":"Pod"}',
    'PATCH /api/v1/namespaces/ns/pods/p application/json-patch+json [{"op":"remove","path":"/x"}]',
    'PATCH /api/v1/namespaces/ns/pods/p application/strategic-merge-patch+json {"a":1}',
    'PATCH /api/v1/namespaces/default/pods/p application/merge-patch+json {"a":1}',
    'DELETE /api/v1/namespaces/ns/pods/p {"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}',
    "DELETE /api/v1/namespaces/ns/pods?labelSelector=a%3Db&dryRun=All",
  ]);
  assert.deepEqual(tr.requests.map((r) => r.ctx.verb), [
    "get",
    "create",
    "update",
    "update status of",
    "patch",
    "patch",
    "patch",
    "delete",
    "delete collection of",
  ]);
});

Deno.test("RestResource.updateStatus() is a plain update for DirectPV kinds", async () => {
  const tr = new RecordingTransport();
  const drives = new RestResource<AnyObject>(tr, KNOWN_KINDS.drives);
  await drives.updateStatus({ metadata: { name: "d1" }, status: {} });
  assert.equal(tr.requests[0]?.path, "/apis/directpv.min.io/v1beta1/directpvdrives/d1");
  assert.equal(tr.requests[0]?.ctx.verb, "update");
});

Deno.test("RestResource.list() returns items with kind and the continue token", async () => {
  const tr = new RecordingTransport();
  tr.answers.push({
    items: [{ metadata: { name: "a" } }],
    metadata: { resourceVersion: "10", continue: "next" },
  });
  tr.answers.push({ items: [{ metadata: { name: "b" } }], metadata: { resourceVersion: "10" } });
  const nodes = new RestResource<AnyObject>(tr, KNOWN_KINDS.coreNodes);
  const all = await nodes.listAll({ limit: 1 });
  assert.deepEqual(all.map((n) => [n.kind, n.apiVersion, n.metadata.name]), [
    ["Node", "v1", "a"],
    ["Node", "v1", "b"],
  ]);
  assert.deepEqual(tr.summary(), [
    "GET /api/v1/nodes?limit=1",
    "GET /api/v1/nodes?limit=1&continue=next",
  ]);
});

Deno.test("RestResource.watch() decodes the stream", async () => {
  const tr = new RecordingTransport();
  tr.streamBody = '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n' +
    '{"type":"ERROR","object":{"code":410,"reason":"Expired","message":"too old"}}\n';
  const drives = new RestResource<AnyObject>(tr, KNOWN_KINDS.drives);
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const ev of drives.watch({ resourceVersion: "3" })) seen.push(ev.type);
  }, /too old/);
  assert.deepEqual(seen, ["ADDED"]);
  assert.equal(
    tr.requests[0]?.path,
    "/apis/directpv.min.io/v1beta1/directpvdrives?watch=1&allowWatchBookmarks=true&resourceVersion=3",
  );
});

Deno.test("RestResource discovers plural and scope of a guessed kind", async (t) => {
  await t.step("found", async () => {
    const tr = new RecordingTransport();
    tr.answers.push({
      resources: [
        { name: "widgetries", kind: "Widget", namespaced: true },
        { name: "widgetries/status", kind: "Widget", namespaced: true },
      ],
    });
    const widgets = new RestResource<AnyObject>(tr, resolveKind("x.io/v1", "Widget"), {
      discover: true,
    });
    await widgets.updateStatus({ metadata: { name: "w", namespace: "n" } });
    await widgets.list();
    assert.ok(widgets.namespaced);
    assert.deepEqual(tr.summary().map((s) => s.split(" ").slice(0, 2).join(" ")), [
      "GET /apis/x.io/v1",
      "PUT /apis/x.io/v1/namespaces/n/widgetries/w/status",
      "GET /apis/x.io/v1/widgetries",
    ]);
  });
  await t.step("group not served keeps the guess", async () => {
    const tr = new RecordingTransport();
    tr.answers.push(errorFromStatus(404, undefined, { verb: "discover", kind: "DirectCSIDrive" }));
    tr.answers.push(errorFromStatus(404, undefined, { verb: "list", kind: "DirectCSIDrive" }));
    const legacy = new RestResource<AnyObject>(
      tr,
      resolveKind("direct.csi.min.io/v1beta3", "DirectCSIDrive"),
      { discover: true },
    );
    await assert.rejects(legacy.list(), NotFoundError);
    await legacy.list();
    assert.deepEqual(tr.summary(), [
      "GET /apis/direct.csi.min.io/v1beta3",
      "GET /apis/direct.csi.min.io/v1beta3/directcsidrives",
      "GET /apis/direct.csi.min.io/v1beta3/directcsidrives",
    ]);
  });
});

Deno.test("RestResource never sends a name that is not a path segment", async () => {
  const tr = new RecordingTransport();
  const volumes = new RestResource<AnyObject>(tr, KNOWN_KINDS.volumes);
  const pods = new RestResource<AnyObject>(tr, KNOWN_KINDS.pods);
  const hostile = ["", ".", "..", "/", "pvc-x/../../y", "a%2F..", "%00"];
  for (const name of hostile) {
    for (
      const call of [
        () => volumes.get(name),
        () => volumes.delete(name),
        () => volumes.patch(name, { a: 1 }),
        () => volumes.update({ metadata: { name } }),
        () => pods.get("p", { namespace: name }),
      ]
    ) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof NotFoundError, String(err));
        assert.match(err.message, /not found: it (is empty|may not)/);
        return true;
      });
    }
  }
  assert.deepEqual(tr.requests, []);
});
