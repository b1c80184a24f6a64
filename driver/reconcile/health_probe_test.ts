import assert from "node:assert/strict";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { captureLogger } from "../../lib/log/testing.ts";
import { FakeHost } from "../../lib/sys/testing.ts";
import { DriveHealthProbe, parseCounter, readDeviceErrorCount } from "./health_probe.ts";

const U1 = "11111111-2222-4333-8444-555555555555";

async function withHost(fn: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    host.onExec("dd", {});
    await fn(host);
  } finally {
    await host.dispose();
  }
}

Deno.test("parseCounter() reads decimal and the hexadecimal SCSI counters", () => {
  assert.equal(parseCounter("0x1f"), 31);
  assert.equal(parseCounter("12"), 12);
  assert.equal(parseCounter(undefined), undefined);
  assert.equal(parseCounter("-1"), undefined);
  assert.equal(parseCounter("lots"), undefined);
});

Deno.test("readDeviceErrorCount() sums errors and timeouts, of the disk for a partition", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({
      name: "sdb",
      majorMinor: "8:16",
      partitions: [{ name: "sdb1", majorMinor: "8:17" }],
    });
    await host.addBlockDevice({ name: "loop1", majorMinor: "7:1" });
    await host.writeFiles([
      { path: "sys/class/block/sdb/device/ioerr_cnt", text: "0x3\n" },
      { path: "sys/class/block/sdb/device/iotmo_cnt", text: "0x1\n" },
    ]);
    assert.equal(await readDeviceErrorCount(host, "sdb"), 4);
    assert.equal(await readDeviceErrorCount(host, "sdb1"), 4);
    assert.equal(await readDeviceErrorCount(host, "loop1"), undefined, "loop keeps no count");
  });
});

Deno.test("DriveHealthProbe reports a device read that hangs, once per hung read", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "loop1", majorMinor: "7:1" });
    let release = () => {};
    host.onExec("dd", () => new Promise((resolve) => (release = () => resolve({}))));
    const probe = new DriveHealthProbe(host, { logger: captureLogger().logger, timeoutMs: 20 });
    const device = { name: "loop1", majorMinor: "7:1" };
    assert.deepEqual(await probe.check(device, U1), {
      ioError: 'Reading device "loop1" did not finish within 0.02 s',
    });
    const again = await probe.check(device, U1);
    assert.match(again.ioError ?? "", /has not finished after 0.02 s/);
    assert.equal(host.execCalls.filter((c) => c.command === "dd").length, 1, "no second dd");
    host.onExec("dd", {});
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(await probe.check(device, U1), {});
  });
});

Deno.test("DriveHealthProbe marks a drive mounted read-only", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "loop1", majorMinor: "7:1" });
    await host.addMount({
      mountPoint: host.paths.app("mnt", U1),
      majorMinor: "7:1",
      fsType: "xfs",
      mountOptions: ["rw", "noatime"],
      superOptions: ["ro", "attr2"],
    });
    const probe = new DriveHealthProbe(host, { logger: captureLogger().logger });
    assert.deepEqual(await probe.check({ name: "loop1", majorMinor: "7:1" }, U1), {
      readOnly: `Filesystem at "/var/lib/directpv/mnt/${U1}" is mounted read-only`,
    });
  });
});

Deno.test("DriveHealthProbe stops asking for SMART when smartctl is not installed", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    let runs = 0;
    host.onExec("smartctl", () => {
      runs++;
      throw new NotFoundError('Cannot run "smartctl": command not found');
    });
    const { logger, records } = captureLogger();
    const probe = new DriveHealthProbe(host, { logger, smartIntervalMs: 0 });
    const device = { name: "sdb", majorMinor: "8:16" };
    assert.deepEqual(await probe.check(device, U1), {});
    assert.deepEqual(await probe.check(device, U1), {});
    assert.equal(runs, 1);
    const notes = records.filter((r) => /smartctl is not installed/.test(r.msg));
    assert.equal(notes.length, 1);
  });
});
