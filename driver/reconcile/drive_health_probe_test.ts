/** The health check of verifyDrive(): probe findings → conditions, status, events, recovery. */
import assert from "node:assert/strict";
import { nullLogger } from "../../lib/log/mod.ts";
import type { DirectPVDrive } from "../../lib/types/mod.ts";
import { matchesOf, verifyDrive } from "./drive_health.ts";
import { setDriveCondition } from "./drive_object.ts";
import type { HealthProbeOptions } from "./health_probe.ts";
import { createNodeOps } from "./host_ops.ts";
import type { NodeOps } from "./node_ops.ts";
import { xfsSuperblockImage as xfsImage } from "../../lib/xfs/testing.ts";
import { type Fixture, withFixture } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const EIO = { code: 1, stderr: "dd: error reading '/dev/x': Input/output error\n" };

/** Makes the direct read of `device` fail with EIO or succeed. */
function reads(f: Fixture, device: string, outcome: "fail" | "work"): void {
  f.host.onExec((c) => c.command === "dd" && c.args[0] === `if=${f.host.paths.dev(device)}`, {
    ...(outcome === "fail" ? EIO : {}),
  });
}

async function check(f: Fixture, ops: NodeOps = f.ops): Promise<DirectPVDrive> {
  const drive = await f.drive(U1);
  await verifyDrive({ ...f.deps, ops }, drive, matchesOf(await ops.devicesByFsuuid(), drive));
  return await f.drive(U1);
}

function conditions(drive: DirectPVDrive): string[][] {
  return (drive.status.conditions ?? []).map((c) => [c.type, c.reason, c.message]);
}

async function events(f: Fixture, prefix: string): Promise<string[]> {
  return (await f.events()).filter((e) => e.startsWith(prefix));
}

function opsWith(f: Fixture, health: Omit<HealthProbeOptions, "logger">): NodeOps {
  return createNodeOps({ ...f.deps, logger: nullLogger() }, { health });
}

Deno.test("verifyDrive() marks an unreadable drive IOError and recovers it", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "loop1" });
    reads(f, "loop1", "fail");
    const broken = await check(f);
    assert.equal(broken.status.status, "Error");
    assert.deepEqual(conditions(broken), [["IOError", "DriveHasIOError", "Drive has I/O error"]]);
    assert.deepEqual(await events(f, "DriveHasIOError"), [
      'DriveHasIOError: Cannot read device "loop1": Input/output error',
    ]);
    await check(f);
    assert.equal((await events(f, "DriveHasIOError")).length, 1, "one event per transition");
    reads(f, "loop1", "work");
    const fixed = await check(f);
    assert.equal(fixed.status.status, "Ready");
    assert.equal(fixed.status.conditions, undefined);
    assert.deepEqual(await events(f, "DriveRecovered"), [
      "DriveRecovered: Drive is healthy again; status is Ready",
    ]);
  });
});

Deno.test("verifyDrive() tells a filesystem that shut down from a failing device", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "loop1" });
    await check(f);
    // What XFS does after a failed log write: the directory answers EIO, the device reads.
    const link = `${f.host.paths.app("mnt", U1)}/.FSUUID.${U1}`;
    const real = f.host.fs.stat.bind(f.host.fs);
    f.host.fs.stat = (path) =>
      path === link
        ? Promise.reject(new Error(`Cannot stat "${path}": Input/output error`))
        : real(path);
    const drive = await check(f);
    assert.equal(drive.status.status, "Error");
    const [event] = await events(f, "DriveHasIOError");
    assert.match(event ?? "", /I\/O error on "\/var\/lib\/directpv\/mnt\/.*" while the device/);
    assert.match(event ?? "", /the filesystem has shut down/);
  });
});

Deno.test("verifyDrive() marks a read-only device ReadOnly until it is writable", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1, ro: true });
    await f.seedDrive(U1, { deviceName: "loop1" });
    const drive = await check(f);
    assert.equal(drive.status.status, "Error");
    assert.deepEqual(conditions(drive), [
      ["ReadOnly", "DriveIsReadOnly", 'Device "loop1" is read-only'],
    ]);
    assert.deepEqual(await events(f, "DriveIsReadOnly"), [
      'DriveIsReadOnly: Device "loop1" is read-only',
    ]);
    await f.host.writeFiles([{ path: "sys/class/block/loop1/ro", text: "0\n" }]);
    assert.equal((await check(f)).status.status, "Ready");
  });
});

Deno.test("verifyDrive() keeps every trouble found and recovers when all are gone", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1, ro: true });
    await f.seedDrive(U1, { deviceName: "loop1" });
    reads(f, "loop1", "fail");
    const both = await check(f);
    assert.deepEqual(conditions(both).map(([type]) => type).sort(), ["IOError", "ReadOnly"]);
    await f.host.writeFiles([{ path: "sys/class/block/loop1/ro", text: "0\n" }]);
    const one = await check(f);
    assert.equal(one.status.status, "Error");
    assert.deepEqual(conditions(one).map(([type]) => type), ["IOError"]);
    reads(f, "loop1", "work");
    assert.equal((await check(f)).status.status, "Ready");
  });
});

Deno.test("verifyDrive() marks DeviceErrors while the kernel's error counter rises", async () => {
  await withFixture(async (f) => {
    let clock = 1_000_000;
    const ops = opsWith(f, { now: () => clock, errorHoldMs: 60_000 });
    await f.addDisk({ name: "sdb", majorMinor: "8:16", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "sdb" });
    const counter = "sys/class/block/sdb/device/ioerr_cnt";
    await f.host.writeFiles([{ path: counter, text: "0x2\n" }]);
    assert.equal((await check(f, ops)).status.status, "Ready", "old errors are not trouble");
    await f.host.writeFiles([{ path: counter, text: "0x5\n" }]);
    clock += 30_000;
    const erroring = await check(f, ops);
    assert.equal(erroring.status.status, "Error");
    assert.deepEqual(conditions(erroring), [[
      "DeviceErrors",
      "DriveHasDeviceErrors",
      'Device "sdb" reported 3 new I/O errors (5 since boot)',
    ]]);
    clock += 30_000;
    assert.equal((await check(f, ops)).status.status, "Error", "held for errorHoldMs");
    clock += 31_000;
    assert.equal((await check(f, ops)).status.status, "Ready");
  });
});

Deno.test("verifyDrive() marks SmartFailing from smartctl and asks again after the interval", async () => {
  await withFixture(async (f) => {
    let clock = 0;
    const ops = opsWith(f, { now: () => clock, smartIntervalMs: 600_000 });
    await f.addDisk({ name: "sdb", majorMinor: "8:16", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "sdb" });
    const smartctl = ({ passed }: { passed: boolean }) => ({
      code: passed ? 0 : 8,
      stdout: JSON.stringify({ smartctl: { exit_status: 0 }, smart_status: { passed } }),
    });
    f.host.onExec("smartctl", smartctl({ passed: false }));
    const failing = await check(f, ops);
    assert.equal(failing.status.status, "Error");
    assert.deepEqual(conditions(failing), [[
      "SmartFailing",
      "DriveFailsSmartCheck",
      "SMART overall-health self-assessment failed",
    ]]);
    const call = f.host.execCalls.find((c) => c.command === "smartctl");
    assert.deepEqual(call?.args.at(-1), f.host.paths.dev("sdb"));
    f.host.onExec("smartctl", smartctl({ passed: true }));
    clock += 60_000;
    assert.equal((await check(f, ops)).status.status, "Error", "the verdict is reused");
    clock += 600_000;
    assert.equal((await check(f, ops)).status.status, "Ready");
    const runs = f.host.execCalls.filter((c) => c.command === "smartctl").length;
    assert.equal(runs, 2);
  });
});

Deno.test("verifyDrive() never asks smartctl about loop devices", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1 });
    await f.seedDrive(U1, { deviceName: "loop1" });
    await check(f);
    assert.equal(f.host.execCalls.filter((c) => c.command === "smartctl").length, 0);
  });
});

Deno.test("verifyDrive() marks a drive whose mounted device no longer reads IOError, not Lost", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", majorMinor: "7:41", uuid: U1 });
    await f.host.writeFiles([
      { path: "sys/dev/block/7:41", symlink: "../../devices/virtual/block/loop1" },
    ]);
    await f.seedDrive(U1, { deviceName: "loop1" });
    assert.equal((await check(f)).status.status, "Ready");
    // The superblock no longer reads: the scan finds no device with the FSUUID.
    await f.host.writeDeviceImage("loop1", new Uint8Array(512));
    reads(f, "loop1", "fail");
    const unreadable = await check(f);
    assert.equal(unreadable.status.status, "Error");
    assert.deepEqual(conditions(unreadable).map(([type]) => type), ["IOError"]);
    await f.host.writeDeviceImage("loop1", xfsImage({ uuid: U1 }));
    reads(f, "loop1", "work");
    assert.equal((await check(f)).status.status, "Ready");
    // A device that reads fine but carries something else: the drive is gone.
    await f.host.writeDeviceImage("loop1", new Uint8Array(512));
    assert.equal((await check(f)).status.status, "Lost");
  });
});

Deno.test("verifyDrive() keeps a drive whose repair failed in Error", async () => {
  await withFixture(async (f) => {
    await f.addDisk({ name: "loop1", uuid: U1 });
    const seeded = await f.seedDrive(U1, { deviceName: "loop1", status: "Error" });
    setDriveCondition(seeded, "repairError", "xfs_repair failed", new Date());
    await f.kube.drives.update(seeded);
    const drive = await check(f);
    assert.equal(drive.status.status, "Error");
    assert.deepEqual(conditions(drive).map(([type]) => type), ["RepairError"]);
  });
});
