import assert from "node:assert/strict";
import { deviceImage } from "../../lib/device/testing.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";
import {
  API_VERSION,
  type DirectPVInitRequest,
  FINALIZERS,
  KINDS,
  LABELS,
  NOT_FORCED,
  UNRECOGNISED_DATA,
} from "../../lib/types/mod.ts";
import {
  initAnnotationKey,
  type InitRequestDeps,
  reconcileInitRequest,
} from "../../lib/node_init/mod.ts";
import { xfsSuperblockImage } from "../../lib/xfs/testing.ts";
import { createFixture, type Fixture, NODE } from "./testing.ts";

function request(devices: { id: string; name: string; force?: boolean }[]): DirectPVInitRequest {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.initRequest,
    metadata: { name: "req-1", labels: { [LABELS.node]: NODE } },
    spec: { devices: devices.map((d) => ({ force: false, ...d })) },
    status: { status: "Pending", results: [] },
  };
}

function initDeps(f: Fixture): InitRequestDeps {
  return { ...f.deps, driveExists: () => false };
}

async function probe(f: Fixture) {
  return await f.ops.probeDevices(() => false);
}

async function run(f: Fixture): Promise<DirectPVInitRequest> {
  await reconcileInitRequest(initDeps(f), await f.kube.initRequests.get("req-1"));
  return await f.kube.initRequests.get("req-1");
}

Deno.test("reconcileInitRequest() formats the requested devices and creates Ready drives", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", udev: { ID_VENDOR: "ACME" } });
    await f.addDisk({ name: "loop2" });
    const devices = await probe(f);
    f.kube.seed(request(devices.map((d) => ({ id: d.id, name: d.name }))));
    const done = await run(f);
    assert.equal(done.status.status, "Processed");
    assert.deepEqual(done.status.results, [{ name: "loop1" }, { name: "loop2" }]);
    assert.equal(f.mkfsCount(), 2);
    const drives = await f.kube.drives.listAll();
    assert.equal(drives.length, 2);
    const drive = drives.find((d) => d.metadata.labels?.[LABELS.driveName] === "loop1");
    assert.ok(drive);
    assert.equal(drive.metadata.name, drive.status.fsuuid);
    assert.equal(drive.status.status, "Ready");
    assert.equal(drive.status.totalCapacity, 262144 * 4096);
    assert.equal(drive.status.freeCapacity, 260000 * 4096);
    assert.equal(drive.status.allocatedCapacity, 0);
    assert.equal(drive.status.make, "ACME");
    assert.deepEqual(drive.metadata.finalizers, [FINALIZERS.dataProtection]);
    assert.deepEqual(drive.metadata.labels, {
      [LABELS.node]: NODE,
      [LABELS.driveName]: "loop1",
      [LABELS.accessTier]: "Default",
      [LABELS.version]: "v1beta1",
      [LABELS.createdBy]: "directpv-driver",
    });
    assert.equal(drive.status.topology[LABELS.rack], "default");
    const mountPoint = f.host.paths.app("mnt", drive.status.fsuuid);
    assert.ok(f.host.mounts.some((m) => m.mountPoint === mountPoint), "the drive is mounted");
    const link = await f.host.fs.readLink(`${mountPoint}/.FSUUID.${drive.status.fsuuid}`);
    assert.equal(link, ".");
    const meta = await f.host.fs.readText(`${mountPoint}/.directpv/meta.info`);
    assert.match(meta, new RegExp(`FSUUID=${drive.status.fsuuid}`));
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() reports devices it must not format", async (t) => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    await f.addDisk({ name: "loop2" });
    await f.addDisk({ name: "loop3", majorMinor: "7:99" });
    await f.host.addMount({ mountPoint: "/mnt/data", majorMinor: "7:99" });
    const [d1, d2, d3] = await probe(f);
    assert.ok(d1 && d2 && d3);
    f.kube.seed(request([
      { id: d1.id.replace(/\$.*/, "$stale"), name: "loop1" },
      { id: "250:9$gone", name: "sdz" },
      { id: d3.id, name: "loop3" },
      { id: d2.id, name: "loop2" },
    ]));
    const done = await run(f);
    await t.step("stale id", () => {
      assert.deepEqual(done.status.results[0], {
        name: "loop1",
        error: 'Cannot format device "/dev/loop1": device state changed',
      });
    });
    await t.step("missing device", () => {
      assert.deepEqual(done.status.results[1], {
        name: "sdz",
        error: 'Cannot format device "/dev/sdz": device not found',
      });
    });
    await t.step("mounted device", () => {
      assert.equal(
        done.status.results[2]?.error,
        'Cannot format device "/dev/loop3": device init not permitted; Mounted',
      );
    });
    await t.step("the valid device is formatted", () => {
      assert.deepEqual(done.status.results[3], { name: "loop2" });
      assert.equal(f.mkfsCount(), 1);
    });
    assert.equal(done.status.status, "Processed");
    assert.equal((await f.kube.drives.listAll()).length, 1);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() formats a device holding data only when forced", async (t) => {
  const f = await createFixture();
  try {
    const random = crypto.getRandomValues(new Uint8Array(65536));
    await f.addDisk({ name: "loop1", image: random });
    await f.addDisk({ name: "loop2", image: await deviceImage("ext4") });
    await f.addDisk({ name: "loop3", image: random });
    const [d1, d2, d3] = await probe(f);
    assert.ok(d1 && d2 && d3);
    f.kube.seed(request([
      { id: d1.id, name: "loop1" },
      { id: d2.id, name: "loop2" },
      { id: d3.id, name: "loop3", force: true },
    ]));
    const done = await run(f);
    await t.step("unknown data, not forced", () => {
      assert.deepEqual(done.status.results[0], {
        name: "loop1",
        error: `Cannot format device "/dev/loop1": it holds ${UNRECOGNISED_DATA}, ${NOT_FORCED}`,
      });
    });
    await t.step("a filesystem, not forced", () => {
      assert.match(
        done.status.results[1]?.error ?? "",
        /^Cannot format device "\/dev\/loop2": it holds "ext4" \(UUID "3d0f5a3e-[-0-9a-f]+", label "data-ext4"\), and it is not forced$/,
      );
    });
    await t.step("forced", () => {
      assert.deepEqual(done.status.results[2], { name: "loop3" });
      assert.equal(f.mkfsCount(), 1, "mkfs.xfs ran for the forced device only");
      assert.ok(f.host.execCalls.find((c) => c.command === "mkfs.xfs")?.args.includes("-f"));
    });
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() refuses a device written to since discovery", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    const [seen] = await probe(f);
    assert.ok(seen);
    assert.equal(seen.unknownData, undefined, "empty at discovery");
    await f.host.writeDeviceImage("loop1", new Uint8Array(4096).fill(7));
    f.kube.seed(request([{ id: seen.id, name: "loop1", force: true }]));
    const done = await run(f);
    assert.deepEqual(done.status.results, [{
      name: "loop1",
      error:
        `Cannot format device "/dev/loop1": device state changed; it now holds ${UNRECOGNISED_DATA}`,
    }]);
    assert.equal(f.mkfsCount(), 0);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() marks a malformed request Error with an InitError event", async () => {
  const f = await createFixture();
  try {
    f.kube.seed(request([{ id: "not-an-id", name: "sdb" }]));
    const done = await run(f);
    assert.equal(done.status.status, "Error");
    assert.match(done.status.results[0]?.error ?? "", /invalid device ID "not-an-id"/);
    const events = await f.events();
    assert.equal(events.length, 1);
    assert.match(events[0] ?? "", /^InitError: /);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() ignores requests that are not Pending", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    const [d] = await probe(f);
    const req = request([{ id: d?.id ?? "", name: "loop1" }]);
    req.status.status = "Processed";
    f.kube.seed(req);
    await run(f);
    assert.equal(f.mkfsCount(), 0);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() finishes after a crash between mkfs and drive creation", async (t) => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    const [d] = await probe(f);
    assert.ok(d);
    f.kube.seed(request([{ id: d.id, name: "loop1" }]));
    f.kube.inject({
      verb: "create",
      resource: "directpvdrives",
      times: 1,
      error: new UnavailableError("API server went away"),
    });
    await t.step("the first run fails after formatting", async () => {
      await assert.rejects(run(f), UnavailableError);
      assert.equal(f.mkfsCount(), 1);
      assert.equal((await f.kube.drives.listAll()).length, 0, "no drive recorded");
      const req = await f.kube.initRequests.get("req-1");
      assert.equal(req.status.status, "Pending");
      const uuid = req.metadata.annotations?.[await initAnnotationKey(d.id)];
      assert.ok(uuid, "the chosen FSUUID is on the request");
    });
    await t.step("a restarted node resumes without a second mkfs", async () => {
      await f.host.mounter.unmount(f.host.mounts.at(-1)?.mountPoint ?? "");
      const done = await run(f);
      assert.equal(done.status.status, "Processed");
      assert.deepEqual(done.status.results, [{ name: "loop1" }]);
      assert.equal(f.mkfsCount(), 1);
      const drives = await f.kube.drives.listAll();
      assert.equal(drives.length, 1);
      assert.equal(drives[0]?.status.status, "Ready");
      const uuid = drives[0]?.status.fsuuid ?? "";
      assert.ok(f.host.mounts.some((m) => m.mountPoint === f.host.paths.app("mnt", uuid)));
    });
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() retried after the drive exists does not create another", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    const [d] = await probe(f);
    assert.ok(d);
    f.kube.seed(request([{ id: d.id, name: "loop1" }]));
    f.kube.inject({
      verb: "patch",
      resource: "directpvinitrequests",
      times: 2,
      hook: (call) => {
        // The write is a merge patch: only what changed is in the body.
        const obj = call.object as Partial<DirectPVInitRequest>;
        if (obj.status?.status === "Processed") throw new UnavailableError("lost the write");
      },
    });
    await assert.rejects(run(f), UnavailableError);
    const done = await run(f);
    assert.equal(done.status.status, "Processed");
    assert.deepEqual(done.status.results, [{ name: "loop1" }]);
    assert.equal(f.mkfsCount(), 1);
    assert.equal((await f.kube.drives.listAll()).length, 1);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() formats with the FSUUID recorded before a crash", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    const [d] = await probe(f);
    assert.ok(d);
    const req = request([{ id: d.id, name: "loop1" }]);
    const recorded = "0b0e5d5c-1111-4c4c-8888-000000000001";
    req.metadata.annotations = { [await initAnnotationKey(d.id)]: recorded };
    f.kube.seed(req);
    const done = await run(f);
    assert.deepEqual(done.status.results, [{ name: "loop1" }]);
    const drives = await f.kube.drives.listAll();
    assert.deepEqual(drives.map((x) => x.metadata.name), [recorded]);
  } finally {
    await f.dispose();
  }
});

Deno.test("reconcileInitRequest() formats again, with the recorded FSUUID, a device whose mkfs was killed", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1" });
    await f.addDisk({ name: "loop2" });
    const devices = await probe(f);
    const req = request(devices.map((d) => ({ id: d.id, name: d.name })));
    const recorded = "0b0e5d5c-1111-4c4c-8888-000000000003";
    const other = "0b0e5d5c-1111-4c4c-8888-000000000004";
    const [loop1, loop2] = devices;
    assert.ok(loop1 && loop2);
    req.metadata.annotations = {
      [await initAnnotationKey(loop1.id)]: recorded,
      [await initAnnotationKey(loop2.id)]: other,
    };
    f.kube.seed(req);
    // mkfs.xfs of loop1 killed before it cleared sb_inprogress; loop2's mkfs finished.
    await f.host.writeDeviceImage(
      "loop1",
      xfsSuperblockImage({ uuid: recorded, inProgress: true }),
    );
    await f.host.writeDeviceImage("loop2", xfsSuperblockImage({ uuid: other }));
    const done = await run(f);
    assert.deepEqual(done.status.results, [{ name: "loop1" }, { name: "loop2" }]);
    const mkfs = f.host.execCalls.filter((c) => c.command === "mkfs.xfs");
    assert.equal(mkfs.length, 1, "only the unfinished filesystem is made again");
    assert.equal(mkfs[0]?.args.at(-1), f.host.paths.dev("loop1"));
    assert.ok(mkfs[0]?.args.includes(`uuid=${recorded}`), mkfs[0]?.args.join(" "));
    assert.ok(mkfs[0]?.args.includes("-f"), "forced: the leftover is our own");
    const drives = await f.kube.drives.listAll();
    assert.deepEqual(drives.map((d) => d.metadata.name).sort(), [recorded, other]);
    assert.ok(drives.every((d) => d.status.status === "Ready"));
  } finally {
    await f.dispose();
  }
});
