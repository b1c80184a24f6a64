import assert from "node:assert/strict";
import type { Host } from "../sys/mod.ts";
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

Deno.test("probeDevices() reads the same devices without batched attribute reads", async () => {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({
      name: "sdb",
      majorMinor: "8:16",
      vendor: "ATA",
      model: "DISK",
      udev: { ID_SERIAL: "S1" },
      partitions: [{ name: "sdb1", majorMinor: "8:17", holders: ["dm-0"] }],
    });
    await host.addBlockDevice({ name: "nvme0n1", majorMinor: "259:0", model: "M", serial: "N1" });
    await host.addBlockDevice({ name: "dm-0", majorMinor: "253:0", dmName: "vg-lv", ro: true });
    await host.addBlockDevice({ name: "loop0", majorMinor: "7:0", hidden: true });
    await host.addMount({ majorMinor: "259:0", mountPoint: "/data" });
    const fs = new Proxy(host.fs, {
      get(target, prop) {
        if (prop === "readAttributes") return undefined;
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { paths, exec, mounter, blkid } = host;
    const plain: Host = { paths, exec, mounter, blkid, fs };
    const batched = await probeDevices(host, { nodeId: "n", allowLoop: true });
    assert.equal(batched.length, 5);
    assert.deepEqual(await probeDevices(plain, { nodeId: "n", allowLoop: true }), batched);
  } finally {
    await host.dispose();
  }
});
