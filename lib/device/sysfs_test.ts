import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import { probeDevices } from "./probe.ts";
import { readDeviceStats } from "./stat.ts";

Deno.test("probeDevices() falls back to dev and partition files without uevent keys", async () => {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({
      name: "sdb",
      majorMinor: "8:16",
      partitions: [{ name: "sdb3", majorMinor: "8:19" }],
    });
    await Deno.writeTextFile(host.paths.sys("class/block/sdb/uevent"), "");
    await Deno.writeTextFile(host.paths.sys("class/block/sdb3/uevent"), "");
    const devices = await probeDevices(host, { nodeId: "n" });
    assert.deepEqual(devices.map((d) => [d.name, d.majorMinor, d.isPartition, d.partitioned]), [
      ["sdb", "8:16", false, true],
      ["sdb3", "8:19", true, false],
    ]);
    assert.equal(devices[1]?.partitionNumber, 3);
  } finally {
    await host.dispose();
  }
});

Deno.test("readDeviceStats() reads the stat file of a device", async () => {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", stat: "1 2 3 4 5 6 7 8 9 10 11" });
    assert.equal((await readDeviceStats(host, "sdb"))?.writeIos, 5);
    assert.equal(await readDeviceStats(host, "sdz"), undefined);
  } finally {
    await host.dispose();
  }
});
