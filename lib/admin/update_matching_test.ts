import assert from "node:assert/strict";
import { ConflictError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { UNCHANGED } from "../k8s/mod.ts";
import { makeDrive } from "./testing.ts";
import { updateMatching } from "./update_matching.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

Deno.test("updateMatching() writes changed objects and skips unchanged ones", async () => {
  const kube = new FakeKube();
  const [drive] = kube.seed(makeDrive({ id: A, node: "n1", name: "sdb" }));
  const outcomes = await updateMatching(kube.drives, [drive as never], (d) => {
    d.spec = { unschedulable: true };
  });
  assert.ok(outcomes[0]?.changed);
  assert.ok((await kube.drives.get(A)).spec.unschedulable);
  const again = await updateMatching(kube.drives, [await kube.drives.get(A)], () => UNCHANGED);
  assert.ok(!(again[0]?.changed));
  assert.equal(kube.callsOf("patch").length, 1);
});

Deno.test("updateMatching() re-reads and retries after a conflict", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "n1", name: "sdb" }));
  const stale = await kube.drives.get(A);
  await kube.drives.update({ ...stale, metadata: { ...stale.metadata, labels: { x: "y" } } });
  let calls = 0;
  const outcomes = await updateMatching(kube.drives, [stale], (d) => {
    calls++;
    d.spec = { unschedulable: true };
  });
  assert.equal(calls, 2);
  assert.equal(outcomes[0]?.object.metadata.labels?.x, "y");
  assert.ok((await kube.drives.get(A)).spec.unschedulable);
});

Deno.test("updateMatching() gives up after the attempts", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "n1", name: "sdb" }));
  kube.inject({
    verb: "patch",
    resource: "directpvdrives",
    error: () => new ConflictError("stale"),
  });
  await assert.rejects(
    updateMatching(kube.drives, [await kube.drives.get(A)], (d) => {
      d.spec = { unschedulable: true };
    }, { attempts: 3 }),
    ConflictError,
  );
  assert.equal(kube.callsOf("patch").length, 3);
});

Deno.test("updateMatching() in a dry run persists nothing", async () => {
  const kube = new FakeKube();
  kube.seed(makeDrive({ id: A, node: "n1", name: "sdb" }));
  const outcomes = await updateMatching(kube.drives, [await kube.drives.get(A)], (d) => {
    d.spec = { unschedulable: true };
  }, { dryRun: true });
  assert.ok(outcomes[0]?.object.spec.unschedulable);
  assert.equal((await kube.drives.get(A)).spec.unschedulable, undefined);
});
