/**
 * DirectPV-written objects (as the API server returns them) read into our types and write
 * back unchanged. Each object is rebuilt field by field through the typed interfaces, so a
 * field our types lack, or name differently, makes the comparison fail.
 */
import assert from "node:assert/strict";
import type {
  Condition,
  DirectPVDrive,
  DirectPVInitRequest,
  DirectPVNode,
  DirectPVVolume,
  InitDevice,
  InitDeviceResult,
  NodeDevice,
  ObjectMeta,
} from "./mod.ts";
import type { DriveSpec, DriveStatusFields } from "./drive.ts";
import type { InitRequestSpec, InitRequestStatusFields } from "./init_request.ts";
import type { NodeSpec, NodeStatusFields } from "./node.ts";
import type { VolumeStatusFields } from "./volume.ts";

interface List<T> {
  apiVersion: string;
  kind: string;
  metadata: { continue: string; resourceVersion: string };
  items: T[];
}

async function fixture(name: string): Promise<string> {
  return await Deno.readTextFile(new URL(`./testdata/${name}`, import.meta.url));
}

/** Every field of T, each possibly undefined: the compiler makes the rebuilders complete. */
type AllFields<T> = { [K in keyof T]-?: T[K] | undefined };

/** Keeps the defined values only, in the order given. */
function defined<T extends object>(fields: AllFields<T>): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

function meta(m: ObjectMeta): ObjectMeta {
  return defined<ObjectMeta>({
    name: m.name,
    generateName: m.generateName,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    deletionGracePeriodSeconds: m.deletionGracePeriodSeconds,
    labels: m.labels && { ...m.labels },
    annotations: m.annotations && { ...m.annotations },
    finalizers: m.finalizers && [...m.finalizers],
    ownerReferences: m.ownerReferences?.map((o) => ({ ...o })),
    managedFields: m.managedFields && structuredClone(m.managedFields),
  });
}

function conditions(list: Condition[] | undefined): Condition[] | undefined {
  return list?.map((c) =>
    defined<Condition>({
      type: c.type,
      status: c.status,
      observedGeneration: c.observedGeneration,
      lastTransitionTime: c.lastTransitionTime,
      reason: c.reason,
      message: c.message,
    })
  );
}

function drive(d: DirectPVDrive): DirectPVDrive {
  const s = d.status;
  return defined<DirectPVDrive>({
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: meta(d.metadata),
    spec: defined<DriveSpec>({ unschedulable: d.spec.unschedulable, relabel: d.spec.relabel }),
    status: defined<DriveStatusFields>({
      totalCapacity: s.totalCapacity,
      allocatedCapacity: s.allocatedCapacity,
      freeCapacity: s.freeCapacity,
      fsuuid: s.fsuuid,
      status: s.status,
      topology: { ...s.topology },
      make: s.make,
      conditions: conditions(s.conditions),
    }),
  });
}

function volume(v: DirectPVVolume): DirectPVVolume {
  const s = v.status;
  return defined<DirectPVVolume>({
    apiVersion: v.apiVersion,
    kind: v.kind,
    metadata: meta(v.metadata),
    status: defined<VolumeStatusFields>({
      dataPath: s.dataPath,
      stagingTargetPath: s.stagingTargetPath,
      targetPath: s.targetPath,
      fsuuid: s.fsuuid,
      totalCapacity: s.totalCapacity,
      availableCapacity: s.availableCapacity,
      usedCapacity: s.usedCapacity,
      status: s.status,
      conditions: conditions(s.conditions),
    }),
  });
}

function device(x: NodeDevice): NodeDevice {
  return defined<NodeDevice>({
    name: x.name,
    id: x.id,
    majorMinor: x.majorMinor,
    size: x.size,
    make: x.make,
    fsType: x.fsType,
    fsuuid: x.fsuuid,
    deniedReason: x.deniedReason,
    partTableType: x.partTableType,
    unknownData: x.unknownData,
  });
}

function node(n: DirectPVNode): DirectPVNode {
  return defined<DirectPVNode>({
    apiVersion: n.apiVersion,
    kind: n.kind,
    metadata: meta(n.metadata),
    spec: defined<NodeSpec>({ refresh: n.spec.refresh }),
    status: defined<NodeStatusFields>({
      devices: n.status.devices.map(device),
      conditions: conditions(n.status.conditions),
    }),
  });
}

function initRequest(r: DirectPVInitRequest): DirectPVInitRequest {
  return defined<DirectPVInitRequest>({
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: meta(r.metadata),
    spec: defined<InitRequestSpec>({
      devices: r.spec.devices.map((d) =>
        defined<InitDevice>({ id: d.id, name: d.name, force: d.force })
      ),
    }),
    status: defined<InitRequestStatusFields>({
      status: r.status.status,
      results: r.status.results.map((x) =>
        defined<InitDeviceResult>({ name: x.name, error: x.error })
      ),
    }),
  });
}

/** JSON with object keys sorted, so key order does not matter. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

async function checkRoundTrip<T>(file: string, rebuild: (item: T) => T): Promise<void> {
  const text = await fixture(file);
  const list = JSON.parse(text) as List<T>;
  assert.equal(JSON.stringify(list, null, 2) + "\n", text, "parse and serialise is byte-identical");
  assert.ok(list.items.length > 0);
  const rebuilt: List<T> = { ...list, items: list.items.map(rebuild) };
  assert.equal(canonical(rebuilt), canonical(list), "typed rebuild writes the same JSON");
  for (const [i, item] of list.items.entries()) {
    assert.equal(canonical(rebuild(item)), canonical(item), `item ${i}`);
  }
}

Deno.test("DirectPVDrive objects written by DirectPV round-trip through our types", async () => {
  await checkRoundTrip("drives.json", drive);
});

Deno.test("DirectPVVolume objects written by DirectPV round-trip through our types", async () => {
  await checkRoundTrip("volumes.json", volume);
});

Deno.test("DirectPVNode objects written by DirectPV round-trip through our types", async () => {
  await checkRoundTrip("nodes.json", node);
});

Deno.test("DirectPVInitRequest objects written by DirectPV round-trip through our types", async () => {
  await checkRoundTrip("initrequests.json", initRequest);
});
