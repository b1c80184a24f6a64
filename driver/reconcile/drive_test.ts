import assert from "node:assert/strict";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { DriveReconciler } from "./drive.ts";
import { createFixture, type Fixture, NODE, volumeOn } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const U2 = "22222222-2222-4333-8444-555555555555";

function reconciler(f: Fixture): DriveReconciler {
  return new DriveReconciler({ ...f.deps, scan: () => f.ops.devicesByFsuuid() });
}

async function reconcile(f: Fixture, r: DriveReconciler, name = U1): Promise<void> {
  const drive = await f.kube.drives.get(name).catch(() => undefined);
  await r.reconcile(name, drive);
}

Deno.test("DriveReconciler refuses to remove a drive that holds volumes", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { status: "Removed", volumes: ["pvc-1"] });
    const r = reconciler(f);
    await reconcile(f, r);
    await reconcile(f, r);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Removed", "status kept");
    assert.deepEqual(await f.events(), [
      `DriveRemoveRefused: drive ${U1} still contains 1 volumes`,
    ], "recorded once");
    assert.ok(f.logs.some((l) => l.fields.reason === `drive ${U1} still contains 1 volumes`));
  } finally {
    await f.dispose();
  }
});

Deno.test("DriveReconciler unmounts and deletes a removed drive without volumes", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1);
    const r = reconciler(f);
    await reconcile(f, r);
    const mountPoint = f.host.paths.app("mnt", U1);
    assert.ok(f.host.mounts.some((m) => m.mountPoint === mountPoint));
    const drive = await f.drive(U1);
    drive.status.status = "Removed";
    await f.kube.drives.update(drive);
    await reconcile(f, r);
    assert.ok(!f.host.mounts.some((m) => m.mountPoint === mountPoint), "unmounted");
    await assert.rejects(f.kube.drives.get(U1), NotFoundError);
    assert.equal(await f.host.fs.stat(mountPoint), undefined, "mount directory removed");
  } finally {
    await f.dispose();
  }
});

Deno.test("DriveReconciler moves volumes onto a Moving drive and makes it Ready", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop2", uuid: U2 });
    await f.seedDrive(U2, {
      status: "Moving",
      deviceName: "loop2",
      volumes: ["pvc-1", "pvc-2"],
      allocated: 2 * 1024 ** 3,
    });
    f.kube.seed(volumeOn(U1, "pvc-1", { stagingTargetPath: "", status: "Pending" }));
    const staging = "/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-2/globalmount";
    f.kube.seed(volumeOn(U1, "pvc-2", { stagingTargetPath: staging, status: "Ready" }));
    await reconcile(f, reconciler(f), U2);
    assert.equal((await f.drive(U2)).status.status, "Ready");
    const v1 = await f.kube.volumes.get("pvc-1");
    assert.equal(v1.status.fsuuid, U2);
    assert.equal(v1.status.status, "Pending");
    assert.equal(v1.status.dataPath, "");
    assert.equal(v1.metadata.labels?.[LABELS.drive], U2);
    assert.equal(v1.metadata.labels?.[LABELS.driveName], "loop2");
    const v2 = await f.kube.volumes.get("pvc-2");
    assert.equal(v2.status.status, "Ready");
    assert.equal(v2.status.dataPath, `/var/lib/directpv/mnt/${U2}/.FSUUID.${U2}/pvc-2`);
    const bind = f.host.mounts.find((m) => m.mountPoint === f.host.paths.host(staging));
    assert.ok(bind, "re-staged onto the staging path");
    assert.equal((await f.events()).filter((e) => e.startsWith("VolumeMoved")).length, 2);
  } finally {
    await f.dispose();
  }
});

Deno.test("DriveReconciler does not move a published volume", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop2", uuid: U2 });
    await f.seedDrive(U2, { status: "Moving", volumes: ["pvc-1"] });
    f.kube.seed(volumeOn(U1, "pvc-1", { targetPath: "/pods/x/mount" }));
    await assert.rejects(reconcile(f, reconciler(f), U2), /still published/);
    assert.equal((await f.drive(U2)).status.status, "Moving");
    assert.equal((await f.kube.volumes.get("pvc-1")).status.fsuuid, U1);
  } finally {
    await f.dispose();
  }
});

Deno.test("DriveReconciler ignores drives of other nodes", async () => {
  const f = await createFixture();
  try {
    await f.seedDrive(U1, { status: "Removed", labels: { [LABELS.node]: "other" } });
    await reconcile(f, reconciler(f));
    assert.equal((await f.drive(U1)).status.status, "Removed");
    assert.notEqual(NODE, "other");
  } finally {
    await f.dispose();
  }
});
