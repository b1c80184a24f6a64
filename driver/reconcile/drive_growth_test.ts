import assert from "node:assert/strict";
import { matchesOf, verifyDrive } from "./drive_health.ts";
import { createFixture, type Fixture } from "./testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const GiB = 2 ** 30;
const BLOCK = 4096;

async function check(f: Fixture) {
  const drive = await f.drive(U1);
  return await verifyDrive(f.deps, drive, matchesOf(await f.ops.devicesByFsuuid(), drive));
}

/** xfs_growfs answering as a 1 GiB filesystem that grows to `growTo` bytes when asked. */
function scriptGrowfs(f: Fixture, growTo: number): void {
  let blocks = GiB / BLOCK;
  const geometry = () => `data     =        bsize=${BLOCK}   blocks=${blocks}, imaxpct=25\n`;
  f.host.onExec(/^xfs_growfs -n /, () => ({ stdout: geometry() }));
  f.host.onExec(/^xfs_growfs -d /, () => {
    const out = `${geometry()}data blocks changed from ${blocks} to ${growTo / BLOCK}\n`;
    blocks = growTo / BLOCK;
    return { stdout: out };
  });
}

function growCalls(f: Fixture): string[] {
  return f.host.execCalls.filter((c) => c.command === "xfs_growfs").map((c) => c.args[0] ?? "");
}

Deno.test("verifyDrive() grows the XFS of a grown device and the drive's capacity follows", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop3", uuid: U1, size: 2 * GiB });
    await f.seedDrive(U1, { deviceName: "loop3", allocated: 100 * BLOCK });
    scriptGrowfs(f, 2 * GiB);
    await check(f);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Ready");
    assert.equal(drive.status.totalCapacity, 2 * GiB);
    assert.equal(drive.status.freeCapacity, 2 * GiB - 100 * BLOCK);
    assert.deepEqual(growCalls(f), ["-n", "-d"]);
    const events = await f.events();
    assert.ok(
      events.includes(
        `DriveGrown: Filesystem grown from ${GiB} to ${2 * GiB} bytes to fill device loop3`,
      ),
      events.join("\n"),
    );
    // The on-disk superblock still says 1 GiB: the in-core size wins, nothing is grown again.
    await check(f);
    assert.equal((await f.drive(U1)).status.totalCapacity, 2 * GiB);
    assert.deepEqual(growCalls(f), ["-n", "-d", "-n"]);
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() leaves a same-size drive alone without running xfs_growfs", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop3", uuid: U1, size: GiB + 8 * 2 ** 20 });
    await f.seedDrive(U1, { deviceName: "loop3" });
    scriptGrowfs(f, 2 * GiB);
    await check(f);
    assert.equal((await f.drive(U1)).status.totalCapacity, GiB);
    assert.deepEqual(growCalls(f), [], "within the threshold: no command at all");
  } finally {
    await f.dispose();
  }
});

Deno.test("verifyDrive() reports a shrunk device, never grows or touches it, recovers", async () => {
  const f = await createFixture();
  try {
    await f.addDisk({ name: "loop3", uuid: U1, size: GiB / 2 });
    await f.seedDrive(U1, { deviceName: "loop3" });
    scriptGrowfs(f, 2 * GiB);
    await check(f);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Error");
    assert.equal(drive.status.totalCapacity, GiB, "capacity unchanged");
    const shrunk = drive.status.conditions?.find((c) => c.type === "DeviceShrunk");
    assert.equal(shrunk?.status, "True");
    assert.match(shrunk?.message ?? "", /Device loop3 shrank to 536870912 bytes/);
    assert.deepEqual(growCalls(f), ["-n"], "only the read-only geometry query ran");
    assert.equal((await f.events()).filter((e) => e.startsWith("DriveDeviceShrunk")).length, 1);
    await check(f);
    assert.equal((await f.events()).filter((e) => e.startsWith("DriveDeviceShrunk")).length, 1);
    await f.removeDisk("loop3");
    await f.addDisk({ name: "loop3", uuid: U1, size: GiB });
    await check(f);
    const back = await f.drive(U1);
    assert.equal(back.status.status, "Ready");
    assert.ok(
      !back.status.conditions?.some((c) => c.type === "DeviceShrunk" && c.status === "True"),
    );
  } finally {
    await f.dispose();
  }
});
