import assert from "node:assert/strict";
import { CommandError, UnavailableError } from "../../lib/errors/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { nullLogger } from "../../lib/log/mod.ts";
import { matchesOf, verifyDrive } from "./drive_health.ts";
import { syncDrives } from "./drive_sync.ts";
import { createNodeOps } from "./host_ops.ts";
import { createFixture, type Fixture } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const U2 = "66666666-7777-4888-9999-aaaaaaaaaaaa";

async function check(f: Fixture, name = U1) {
  const drive = await f.drive(name);
  return await verifyDrive(f.deps, drive, matchesOf(await f.ops.devicesByFsuuid(), drive));
}

function mountOf(f: Fixture, fsuuid: string) {
  return f.host.mounts.find((m) => m.mountPoint === f.host.paths.app("mnt", fsuuid));
}

Deno.test("syncDrives() mounts each drive and refreshes label, capacity and status", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop3", uuid: U1, udev: { ID_MODEL: "Disk" } });
    await f.seedDrive(U1, { deviceName: "loop0", status: "Lost", allocated: 4096 });
    await f.seedDrive(U2, { deviceName: "loop9" });
    const summary = await syncDrives(f.deps, () => f.ops.devicesByFsuuid());
    assert.deepEqual(summary, { drives: 2, ready: 1, lost: 1, error: 0 });
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Ready");
    assert.equal(drive.metadata.labels?.[LABELS.driveName], "loop3");
    assert.equal(drive.status.totalCapacity, 262144 * 4096);
    assert.equal(drive.status.freeCapacity, 262144 * 4096 - 4096);
    assert.equal(drive.status.make, "Disk");
    assert.ok(mountOf(f, U1), "mounted at <app>/mnt/<fsuuid>");
    assert.ok(mountOf(f, U1)?.mountOptions.includes("noatime"));
    assert.equal((await f.drive(U2)).status.status, "Lost");
    const events = await f.events();
    assert.equal(events.filter((e) => e.startsWith("DriveMounted")).length, 1);
    const lost = events.find((e) => e.startsWith("DeviceNotFoundError"));
    assert.ok(lost?.includes(U2));
    assert.doesNotMatch(lost ?? "", /udev/);
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() puts a drive found on several devices in Error", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.addDisk({ name: "loop2", uuid: U1 });
    await f.seedDrive(U1);
    await check(f);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Error");
    assert.deepEqual(drive.status.conditions?.map((c) => [c.type, c.reason, c.message]), [[
      "MultipleMatches",
      "DriveHasMultipleMatches",
      "multiple devices found by FSUUID; loop1, loop2",
    ]]);
    assert.equal(mountOf(f, U1), undefined, "nothing is mounted");
    await f.removeDisk("loop2");
    await check(f);
    const recovered = await f.drive(U1);
    assert.equal(recovered.status.status, "Ready");
    assert.equal(recovered.status.conditions, undefined);
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() turns a vanished drive Lost and Ready again under another name", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", majorMinor: "7:1", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "loop1" });
    await check(f);
    assert.equal(mountOf(f, U1)?.majorMinor, "7:1");
    await f.removeDisk("loop1");
    await check(f);
    assert.equal((await f.drive(U1)).status.status, "Lost");
    await check(f);
    const lostEvents = (await f.events()).filter((e) => e.startsWith("DeviceNotFoundError"));
    assert.equal(lostEvents.length, 1, "one event per transition");
    assert.doesNotMatch(lostEvents[0] ?? "", /udevadm/);
    await f.addDisk({ name: "loop5", majorMinor: "7:5", uuid: U1 });
    await check(f);
    const back = await f.drive(U1);
    assert.equal(back.status.status, "Ready");
    assert.equal(back.metadata.labels?.[LABELS.driveName], "loop5");
    const mounts = f.host.mounts.filter((m) => m.mountPoint === f.host.paths.app("mnt", U1));
    assert.deepEqual(mounts.map((m) => m.majorMinor), ["7:5"], "the stale mount is replaced");
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() records a mount failure and recovers on the next check", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1);
    let fail = true;
    f.host.onMount((call) => {
      if (fail && call.kind === "mount") {
        throw new CommandError({ command: "mount", args: [], code: 32, stderr: "bad superblock" });
      }
    });
    await check(f);
    const broken = await f.drive(U1);
    assert.equal(broken.status.status, "Error");
    assert.equal(broken.status.conditions?.[0]?.type, "MountError");
    assert.match(broken.status.conditions?.[0]?.message ?? "", /bad superblock/);
    assert.ok((await f.events()).some((e) => e.startsWith("DriveHasMountError")));
    fail = false;
    await check(f);
    const fixed = await f.drive(U1);
    assert.equal(fixed.status.status, "Ready");
    assert.equal(fixed.status.conditions, undefined);
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() creates the FSUUID symlink of a drive to relabel", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { relabel: true });
    await check(f);
    const drive = await f.drive(U1);
    assert.equal(drive.spec.relabel, undefined);
    const link = `${f.host.paths.app("mnt", U1)}/.FSUUID.${U1}`;
    assert.equal(await f.host.fs.readLink(link), ".");
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() marks a drive whose directory gives EIO with IOError", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1);
    const fs = f.host.fs;
    const failing: Host = {
      paths: f.host.paths,
      exec: f.host.exec,
      mounter: f.host.mounter,
      blkid: f.host.blkid,
      fs: new Proxy(fs, {
        get(target, prop) {
          if (prop === "stat") {
            return (path: string) =>
              path.includes(".FSUUID.")
                ? Promise.reject(new UnavailableError(`Cannot stat "${path}": Input/output error`))
                : target.stat(path);
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    };
    const ops = createNodeOps({ ...f.deps, host: failing, logger: nullLogger() });
    const drive = await f.drive(U1);
    await verifyDrive({ ...f.deps, ops }, drive, matchesOf(await ops.devicesByFsuuid(), drive));
    const after = await f.drive(U1);
    assert.equal(after.status.status, "Error");
    assert.deepEqual(after.status.conditions?.map((c) => [c.type, c.reason, c.message]), [[
      "IOError",
      "DriveHasIOError",
      "Drive has I/O error",
    ]]);
    assert.ok((await f.events()).some((e) => e.startsWith("DriveHasIOError")));
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() leaves Removed and Repairing drives alone", async (t) => {
  for (const status of ["Removed", "Repairing"] as const) {
    await t.step(status, async () => {
      const f = await createFixture();
      try {
        await f.seedDrive(U1, { status });
        await check(f);
        assert.equal((await f.drive(U1)).status.status, status);
      } finally {
        await f.dispose();
      }
    });
  }
});
