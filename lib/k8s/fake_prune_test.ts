import assert from "node:assert/strict";
import { API_VERSION, type DirectPVDrive, type DirectPVNode, KINDS } from "../types/mod.ts";
import { kindInfo } from "./kinds.ts";
import { pruneObject, pruneResource } from "./fake_prune.ts";
import { FakeKube } from "./testing.ts";
import type { AnyObject } from "./types.ts";

/** A drive carrying fields its CRD schema does not declare, at every level. */
function driveWithUnknowns(name: string): AnyObject {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.drive,
    metadata: { name, labels: { a: "b" }, ...{ bogusMeta: "x" } },
    spec: { unschedulable: true, bogusSpec: 1 },
    // Only the fields pruning is about; the fake checks no required list.
    status: {
      fsuuid: name,
      topology: { "directpv.min.io/node": "n1" },
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "Ok",
        message: "",
        lastTransitionTime: "2025-01-01T00:00:00Z",
        bogusCondition: true,
      }],
      bogusStatus: { nested: 1 },
    },
    bogusRoot: "x",
  };
}

function assertPruned(drive: DirectPVDrive): void {
  const raw = drive as unknown as AnyObject;
  assert.equal(raw.bogusRoot, undefined);
  assert.equal((raw.metadata as Record<string, unknown>).bogusMeta, undefined);
  assert.deepEqual(drive.spec, { unschedulable: true });
  assert.equal((drive.status as unknown as AnyObject).bogusStatus, undefined);
  assert.deepEqual(Object.keys(drive.status.conditions?.[0] ?? {}).sort(), [
    "lastTransitionTime",
    "message",
    "reason",
    "status",
    "type",
  ]);
  // Maps under additionalProperties keep every key.
  assert.deepEqual(drive.status.topology, { "directpv.min.io/node": "n1" });
  assert.deepEqual(drive.metadata.labels, { a: "b" });
}

Deno.test("FakeKube.create() drops fields outside the CRD schema, as the API server", async () => {
  const kube = new FakeKube();
  const created = await kube.drives.create(driveWithUnknowns("d1") as unknown as DirectPVDrive);
  assertPruned(created);
  assertPruned(await kube.drives.get("d1"));
});

Deno.test("FakeKube.update(), patch() and seed() prune what they store", async () => {
  const kube = new FakeKube();
  kube.seed(driveWithUnknowns("d1") as unknown as DirectPVDrive);
  assertPruned(await kube.drives.get("d1"));
  const current = await kube.drives.get("d1");
  const unknowns = driveWithUnknowns("d1");
  const updated = await kube.drives.update({
    ...unknowns,
    metadata: { ...unknowns.metadata, resourceVersion: current.metadata.resourceVersion },
  } as unknown as DirectPVDrive);
  assertPruned(updated);
  assert.equal(updated.metadata.resourceVersion, current.metadata.resourceVersion);
  const patched = await kube.drives.patch("d1", {
    spec: { bogusSpec: 2 },
    status: { bogusStatus: 1 },
  }, { type: "merge" });
  assertPruned(patched);
  assert.equal(patched.metadata.resourceVersion, current.metadata.resourceVersion);
});

Deno.test("FakeKube leaves kinds without a CRD schema as written", async () => {
  const kube = new FakeKube();
  const pod = await kube.pods.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { nodeName: "n1", anything: { goes: true } },
  });
  assert.deepEqual(pod.spec, { nodeName: "n1", anything: { goes: true } });
});

Deno.test("pruneObject() prunes the items of a list", () => {
  const node: DirectPVNode = {
    apiVersion: API_VERSION,
    kind: KINDS.node,
    metadata: { name: "n1" },
    spec: {},
    status: {
      devices: [{ id: "8:16$x", majorMinor: "8:16", name: "sdb", size: 1, bogus: 1 } as never],
    },
  };
  const pruned = pruneObject(kindInfo(API_VERSION, KINDS.node), node as unknown as AnyObject);
  assert.deepEqual(pruned.status.devices, [{
    id: "8:16$x",
    majorMinor: "8:16",
    name: "sdb",
    size: 1,
  }]);
});

Deno.test("pruneResource() keeps unknown fields under x-kubernetes-preserve-unknown-fields", () => {
  const schema = {
    type: "object" as const,
    properties: {
      spec: {
        type: "object" as const,
        "x-kubernetes-preserve-unknown-fields": true,
        properties: {
          known: { type: "object" as const, properties: { a: { type: "string" as const } } },
        },
      },
      status: { type: "object" as const },
      list: { type: "array" as const, "x-kubernetes-preserve-unknown-fields": true },
    },
  };
  const pruned = pruneResource(schema, {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "x" },
    spec: { free: { form: 1 }, known: { a: "1", b: 2 } },
    status: { dropped: 1 },
    list: [{ kept: 1 }],
  });
  assert.deepEqual(pruned, {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "x" },
    spec: { free: { form: 1 }, known: { a: "1" } },
    status: {},
    list: [{ kept: 1 }],
  });
});
