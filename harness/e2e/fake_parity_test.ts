/**
 * FakeKube refuses what kube-apiserver refuses and stores what it stores: the same sequence of
 * writes runs against both and each step must end the same way (stored, or the same error
 * class), and writes carrying fields outside the CRD schema must leave the same pruned object.
 * Reads the kubeconfig from DIRECTPV_E2E_KUBECONFIG; run with -A.
 */
import assert from "node:assert/strict";
import { type AnyObject, connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import type { DirectPVDrive } from "../../lib/types/mod.ts";
import { driveObject, installCrds } from "../dashboard/seed.ts";

const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG");
const RUN = crypto.randomUUID().slice(0, 8);
const ID = `${RUN}-0000-4000-8000-0000000000aa`;
const PV = `parity-${RUN}`;

type Outcome = "ok" | string;

async function outcome(step: () => Promise<unknown>): Promise<Outcome> {
  try {
    await step();
    return "ok";
  } catch (err) {
    return err instanceof Error ? err.constructor.name : String(err);
  }
}

function pv(): AnyObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: PV },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/tmp/parity" },
    },
  };
}

/** The write sequence; returns each step's outcome by name. */
async function sequence(kube: KubeClient): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  const base = driveObject({ id: ID, node: `parity-${RUN}`, device: "sdz", sizeGiB: 10 });
  const seeded = { ...base, metadata: { ...base.metadata, finalizers: ["directpv.min.io/test"] } };
  out["create with a resourceVersion"] = await outcome(() =>
    kube.drives.create({ ...seeded, metadata: { ...seeded.metadata, resourceVersion: "1" } })
  );
  const drive = await kube.drives.create(seeded);
  const unversioned: DirectPVDrive = structuredClone(drive);
  delete unversioned.metadata.resourceVersion;
  unversioned.status.allocatedCapacity = 1;
  out["update without a resourceVersion"] = await outcome(() => kube.drives.update(unversioned));
  out["update at the current version"] = await outcome(() =>
    kube.drives.update({ ...drive, metadata: { ...drive.metadata, labels: { a: "b" } } })
  );
  out["update at a stale version"] = await outcome(() => kube.drives.update(drive));
  out["update of a missing drive"] = await outcome(() =>
    kube.drives.update({ ...drive, metadata: { ...drive.metadata, name: `${ID}x` } })
  );
  await kube.drives.delete(ID);
  const deleting = await kube.drives.get(ID);
  out["new finalizer while deleting"] = await outcome(() =>
    kube.drives.update({
      ...deleting,
      metadata: {
        ...deleting.metadata,
        finalizers: [...deleting.metadata.finalizers ?? [], "x/y"],
      },
    })
  );
  await kube.drives.patch(ID, { metadata: { finalizers: null } }, { type: "merge" });
  const created = await kube.persistentVolumes.create(pv());
  delete created.metadata.resourceVersion;
  created.metadata.labels = { a: "b" };
  out["core kind update without a resourceVersion"] = await outcome(() =>
    kube.persistentVolumes.update(created)
  );
  await kube.persistentVolumes.delete(PV);
  return out;
}

/** A drive with fields its CRD schema lacks at the root, in metadata, spec, status and a list. */
function withUnknownFields(drive: DirectPVDrive): AnyObject {
  const raw = structuredClone(drive) as unknown as AnyObject;
  raw.bogusRoot = "dropped";
  Object.assign(raw.metadata, { bogusMeta: "dropped" });
  raw.spec = { ...raw.spec, unschedulable: true, bogusSpec: { nested: 1 } };
  raw.status.bogusStatus = 1;
  raw.status.conditions = [{
    type: "Ready",
    status: "True",
    reason: "Parity",
    message: "",
    lastTransitionTime: "2025-01-01T00:00:00Z",
    bogusCondition: true,
  }];
  return raw;
}

/** What the server sets on its own (ids, versions, times, field managers) is not compared. */
function comparable(object: AnyObject): AnyObject {
  const copy = structuredClone(object);
  for (const f of ["uid", "resourceVersion", "creationTimestamp", "managedFields"] as const) {
    delete copy.metadata[f];
  }
  return copy;
}

/** Create, update and patch with unknown fields; returns the object stored after each write. */
async function prunedWrites(kube: KubeClient): Promise<Record<string, AnyObject>> {
  const id = `${RUN}-0000-4000-8000-0000000000ab`;
  const base = driveObject({ id, node: `parity-${RUN}`, device: "sdy", sizeGiB: 10 });
  // No finalizers, so the closing delete removes the drive at once.
  delete base.metadata.finalizers;
  const out: Record<string, AnyObject> = {};
  const created = await kube.drives.create(withUnknownFields(base) as unknown as DirectPVDrive);
  out["create"] = comparable(await kube.drives.get(id) as unknown as AnyObject);
  const update = withUnknownFields(created);
  update.status.freeCapacity = created.status.freeCapacity - 1;
  await kube.drives.update(update as unknown as DirectPVDrive);
  out["update"] = comparable(await kube.drives.get(id) as unknown as AnyObject);
  await kube.drives.patch(id, { spec: { bogusPatch: 1 }, status: { bogusPatch: 2 } }, {
    type: "merge",
  });
  out["merge patch"] = comparable(await kube.drives.get(id) as unknown as AnyObject);
  await kube.drives.patch(id, [
    { op: "add", path: "/status/bogusJsonPatch", value: 1 },
    { op: "replace", path: "/status/allocatedCapacity", value: 1 },
  ], { type: "json" });
  out["json patch"] = comparable(await kube.drives.get(id) as unknown as AnyObject);
  await kube.drives.delete(id);
  return out;
}

Deno.test("FakeKube and kube-apiserver end each write the same way", async () => {
  if (!KUBECONFIG) {
    throw new Error("DIRECTPV_E2E_KUBECONFIG is not set: harness/e2e/run.ts starts an API server");
  }
  const real = await connectKube({ kubeconfig: KUBECONFIG });
  await installCrds(real);
  const onServer = await sequence(real);
  const fake = new FakeKube();
  const onFake = await sequence(fake);
  assert.deepEqual(onFake, onServer);
  assert.equal(onServer["update without a resourceVersion"], "InvalidArgumentError");
  assert.equal(onServer["update at a stale version"], "ConflictError");
  const prunedOnServer = await prunedWrites(real);
  const prunedOnFake = await prunedWrites(fake);
  assert.deepEqual(prunedOnFake, prunedOnServer);
  const stored = prunedOnServer["json patch"] as AnyObject;
  assert.equal(stored.bogusRoot, undefined);
  assert.deepEqual(stored.spec, { unschedulable: true });
  assert.equal(stored.status.bogusStatus, undefined);
  assert.equal(stored.status.bogusJsonPatch, undefined);
  assert.equal(stored.status.allocatedCapacity, 1);
});
