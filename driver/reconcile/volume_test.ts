import assert from "node:assert/strict";
import { ConflictError, NotFoundError, UnavailableError } from "../../lib/errors/mod.ts";
import {
  type DirectPVVolume,
  FINALIZERS,
  LABELS,
  pendingSizesOf,
  setPendingSize,
  volumeClaimIdLabel,
  volumeFinalizer,
} from "../../lib/types/mod.ts";
import { reconcileVolume, type VolumeReconcilerDeps } from "./volume.ts";
import { createFixture, type Fixture, volumeOn } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const GIB = 1024 ** 3;
const CLAIM = "0f4c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const STAGING = "/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-1/globalmount";
const TARGET = "/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount";

function deps(f: Fixture): VolumeReconcilerDeps {
  return { ...f.deps, getDrive: () => undefined };
}

async function reconcile(f: Fixture, d: VolumeReconcilerDeps = deps(f)): Promise<void> {
  const volume = await f.kube.volumes.get("pvc-1").catch(() => undefined);
  await reconcileVolume(d, volume);
}

/** A mounted drive holding pvc-1 (staged, published, with data), deleted and Released. */
async function releasedVolume(f: Fixture): Promise<string> {
  await f.addDisk({ name: "loop1", uuid: U1 });
  await f.seedDrive(U1, {
    volumes: ["pvc-1"],
    allocated: GIB,
    labels: { [volumeClaimIdLabel(CLAIM)]: "true" },
  });
  const [device] = (await f.ops.devicesByFsuuid()).get(U1) ?? [];
  assert.ok(device);
  await f.ops.mountDrive(device, U1);
  const dataPath = await f.ops.restageVolume({
    volumeName: "pvc-1",
    fsuuid: U1,
    stagingTargetPath: STAGING,
    totalCapacity: GIB,
  });
  await f.host.fs.writeText(`${f.host.paths.host(dataPath)}/data.bin`, "payload");
  await f.host.fs.mkdir(f.host.paths.host(TARGET), { recursive: true });
  await f.host.mounter.bindMount(f.host.paths.host(STAGING), f.host.paths.host(TARGET));
  const volume = volumeOn(U1, "pvc-1", {
    dataPath,
    stagingTargetPath: STAGING,
    targetPath: TARGET,
    totalCapacity: GIB,
    status: "Ready",
  });
  volume.metadata.labels = { ...volume.metadata.labels, [LABELS.claimId]: CLAIM };
  volume.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  volume.metadata.finalizers = [FINALIZERS.purgeProtection];
  f.kube.seed(volume);
  return dataPath;
}

Deno.test("reconcileVolume() copies the drive's drive-name label onto a volume", async () => {
  const f = await createFixture();
  try {
    const drive = await f.seedDrive(U1, { deviceName: "loop7" });
    f.kube.seed(volumeOn(U1, "pvc-1"));
    await reconcile(f, { ...f.deps, getDrive: (name) => (name === U1 ? drive : undefined) });
    const volume = await f.kube.volumes.get("pvc-1");
    assert.equal(volume.metadata.labels?.[LABELS.driveName], "loop7");
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileVolume() waits until a deleted volume is released", async () => {
  const f = await createFixture();
  try {
    const volume: DirectPVVolume = volumeOn(U1, "pvc-1");
    volume.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    f.kube.seed(volume);
    await reconcile(f);
    const still = await f.kube.volumes.get("pvc-1");
    assert.deepEqual(still.metadata.finalizers, [
      FINALIZERS.pvProtection,
      FINALIZERS.purgeProtection,
    ]);
    assert.ok(f.logs.some((l) => l.msg === "volume pvc-1 must be released before cleaning up"));
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileVolume() purges a released volume and gives its capacity back", async () => {
  const f = await createFixture();
  try {
    const dataPath = await releasedVolume(f);
    const before = await f.drive(U1);
    await reconcile(f);
    await assert.rejects(f.kube.volumes.get("pvc-1"), NotFoundError);
    const mapped = (p: string) => f.host.paths.host(p);
    assert.ok(!f.host.mounts.some((m) => [mapped(STAGING), mapped(TARGET)].includes(m.mountPoint)));
    assert.equal(await f.host.fs.stat(mapped(dataPath)), undefined);
    assert.equal(await f.host.fs.stat(`${mapped(dataPath)}.deleted`), undefined);
    const drive = await f.drive(U1);
    assert.equal(drive.status.freeCapacity, before.status.freeCapacity + GIB);
    assert.equal(drive.status.allocatedCapacity, 0);
    assert.ok(!drive.metadata.finalizers?.includes(volumeFinalizer("pvc-1")));
    assert.equal(drive.metadata.labels?.[volumeClaimIdLabel(CLAIM)], undefined);
    assert.ok((await f.events()).some((e) => e.startsWith("VolumeReleased")));
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileVolume() gives back the bytes of an expansion that never settled", async () => {
  const f = await createFixture();
  try {
    await releasedVolume(f);
    // Its controller died after reserving 2 GiB more, before writing the volume's new size.
    const crashed = await f.drive(U1);
    crashed.status.allocatedCapacity += 2 * GIB;
    crashed.status.freeCapacity -= 2 * GIB;
    setPendingSize(crashed, "pvc-1", 3 * GIB);
    const before = await f.kube.drives.update(crashed);
    await reconcile(f);
    const drive = await f.drive(U1);
    assert.equal(drive.status.allocatedCapacity, 0);
    assert.equal(drive.status.freeCapacity, before.status.freeCapacity + 3 * GIB);
    assert.deepEqual(pendingSizesOf(drive), {});
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileVolume() gives capacity back exactly once across conflicts and retries", async () => {
  const f = await createFixture();
  try {
    await releasedVolume(f);
    const before = await f.drive(U1);
    f.kube.inject({
      verb: "patch",
      resource: "directpvdrives",
      times: 1,
      error: new ConflictError("the object has been modified"),
    });
    f.kube.inject({
      verb: "patch",
      resource: "directpvvolumes",
      times: 1,
      error: new UnavailableError("connection reset"),
    });
    await assert.rejects(reconcile(f), UnavailableError);
    await reconcile(f);
    await reconcile(f);
    const drive = await f.drive(U1);
    assert.equal(drive.status.freeCapacity, before.status.freeCapacity + GIB);
    assert.equal(drive.status.allocatedCapacity, 0);
    await assert.rejects(f.kube.volumes.get("pvc-1"), NotFoundError);
  } finally {
    await f.dispose();
  }
});
