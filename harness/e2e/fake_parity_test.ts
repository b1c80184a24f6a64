/**
 * FakeKube refuses what kube-apiserver refuses: the same sequence of writes runs against both
 * and each step must end the same way (stored, or the same error class). Reads the kubeconfig
 * from DIRECTPV_E2E_KUBECONFIG; run with -A.
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
});
