import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import { DENIED, deniedReason, type Device, isAvailable, toNodeDevice } from "./device.ts";
import { probeDevices } from "./probe.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function withHost(fn: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    await fn(host);
  } finally {
    await host.dispose();
  }
}

function byName(devices: Device[], name: string): Device {
  const d = devices.find((x) => x.name === name);
  assert.ok(d, `device ${name} not probed; got ${devices.map((x) => x.name).join(",")}`);
  return d;
}

Deno.test("probeDevices() lists a blank NVMe drive as available", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({
      name: "nvme0n1",
      majorMinor: "259:0",
      size: 100 * GIB,
      model: "Samsung SSD 980",
      serial: "S64DNX0R123",
    });
    const [d] = await probeDevices(host, { nodeId: "node1" });
    assert.ok(d);
    assert.equal(d.name, "nvme0n1");
    assert.equal(d.path, "/dev/nvme0n1");
    assert.equal(d.majorMinor, "259:0");
    assert.equal(d.size, 100 * GIB);
    assert.equal(d.make, "Samsung SSD 980");
    assert.equal(d.serial, "S64DNX0R123");
    assert.deepEqual(d.deniedReasons, []);
    assert.ok(isAvailable(d));
    assert.match(d.id, /^259:0\$[A-Za-z0-9+/]{43}=$/);
  });
});

Deno.test("probeDevices() gives each kind of device its denied reasons", async (t) => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sda", majorMinor: "8:0", size: 256 * MIB });
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", hidden: true });
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", ro: true });
    await host.addBlockDevice({
      name: "sdd",
      majorMinor: "8:48",
      partitions: [{ name: "sdd1", majorMinor: "8:49" }, { name: "sdd2", majorMinor: "8:50" }],
    });
    await host.addBlockDevice({ name: "sde", majorMinor: "8:64", holders: ["dm-0"] });
    await host.addBlockDevice({ name: "sdf", majorMinor: "8:80" });
    await host.addMount({ majorMinor: "8:80", mountPoint: "/data", source: "/dev/sdf" });
    await host.addBlockDevice({ name: "sdg", majorMinor: "8:96" });
    await host.setSwaps(["sdg"]);
    await host.addBlockDevice({ name: "sr0", majorMinor: "11:0", removable: true });
    await host.setCdroms(["sr0"]);
    await host.addBlockDevice({ name: "loop3", majorMinor: "7:3", backingFile: "/tmp/a.img" });
    await host.addBlockDevice({ name: "sdh", majorMinor: "8:112", removable: true });
    const devices = await probeDevices(host, { nodeId: "node1" });
    const cases: [string, string][] = [
      ["sda", DENIED.tooSmall],
      ["sdb", DENIED.hidden],
      ["sdc", DENIED.readOnly],
      ["sdd", DENIED.partitioned],
      ["sdd1", ""],
      ["sde", DENIED.held],
      ["sdf", DENIED.mounted],
      ["sdg", DENIED.swap],
      ["sr0", DENIED.cdrom],
      ["loop3", DENIED.loop],
      ["sdh", ""],
    ];
    for (const [name, reason] of cases) {
      await t.step(`${name}: ${reason || "available"}`, () => {
        assert.equal(deniedReason(byName(devices, name)), reason);
      });
    }
    await t.step("partitions are devices with their number", () => {
      const p = byName(devices, "sdd2");
      assert.ok(p.isPartition);
      assert.equal(p.partitionNumber, 2);
      assert.equal(p.make, "(Part 2)");
    });
    await t.step("mount points come from mountinfo", () => {
      assert.deepEqual(byName(devices, "sdf").mountPoints, ["/data"]);
    });
    await t.step("removable is probed but never denied", () => {
      assert.ok(byName(devices, "sdh").removable);
    });
  });
});

Deno.test("probeDevices() joins several denied reasons in DirectPV's order", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({
      name: "sdb",
      majorMinor: "8:16",
      size: MIB,
      ro: true,
      hidden: true,
    });
    const [d] = await probeDevices(host, { nodeId: "n" });
    assert.ok(d);
    assert.equal(deniedReason(d), "Too small; Hidden; Read only");
  });
});

Deno.test("probeDevices() admits loop devices only when allowed", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "loop0", majorMinor: "7:0", backingFile: "/x.img" });
    await host.addBlockDevice({ name: "loop1", majorMinor: "7:1", size: 0 });
    const allowed = await probeDevices(host, { nodeId: "n", allowLoop: true });
    assert.deepEqual(allowed.map((d) => [d.name, deniedReason(d)]), [["loop0", ""]]);
  });
});

Deno.test("probeDevices() never lists the loop devices of block volumes", async () => {
  await withHost(async (host) => {
    const volumeFile = "/var/lib/directpv/mnt/u1/pvc-a/block.img";
    await host.addBlockDevice({ name: "loop4", majorMinor: "7:4", backingFile: volumeFile });
    const viaLink = "/var/lib/directpv/mnt/u1/.FSUUID.u1/pvc-b/block.img (deleted)";
    await host.addBlockDevice({ name: "loop5", majorMinor: "7:5", backingFile: viaLink });
    const elsewhere = "/var/lib/directpv/tmp/block.img";
    await host.addBlockDevice({ name: "loop6", majorMinor: "7:6", backingFile: elsewhere });
    const devices = await probeDevices(host, { nodeId: "n", allowLoop: true });
    assert.deepEqual(devices.map((d) => d.name), ["loop6"]);
  });
});

Deno.test("probeDevices() reads device-mapper and md devices", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", holders: ["dm-0"] });
    await host.addBlockDevice({
      name: "dm-0",
      majorMinor: "253:0",
      dmName: "vg0-lv0",
      slaves: ["sdb"],
    });
    await host.addBlockDevice({ name: "md0", majorMinor: "9:0", size: 2 * GIB });
    const devices = await probeDevices(host, { nodeId: "n" });
    const dm = byName(devices, "dm-0");
    assert.equal(dm.dmName, "vg0-lv0");
    assert.equal(dm.make, "vg0-lv0");
    assert.ok(!dm.partitioned);
    assert.deepEqual(byName(devices, "sdb").holders, ["dm-0"]);
    assert.equal(deniedReason(byName(devices, "md0")), "");
  });
});

Deno.test("probeDevices() takes fs facts from superblocks, not udev", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", image: await fixture("ext4") });
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", image: await fixture("gpt") });
    await host.addBlockDevice({ name: "sdd", majorMinor: "8:48", image: await fixture("xfs") });
    const devices = await probeDevices(host, { nodeId: "n" });
    const ext4 = byName(devices, "sdb");
    assert.equal(ext4.fsType, "ext4");
    assert.equal(ext4.fsUuid, "3d0f5a3e-9b2c-4c1e-8f6a-1b2c3d4e5f60");
    assert.equal(ext4.label, "data-ext4");
    assert.equal(byName(devices, "sdc").partTableType, "gpt");
    assert.equal(deniedReason(byName(devices, "sdc")), "");
    assert.equal(byName(devices, "sdd").fsType, "xfs");
  });
});

Deno.test("probeDevices() takes make and model from udev data when present", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({
      name: "sdb",
      majorMinor: "8:16",
      vendor: "ATA",
      model: "ignored",
      udev: { ID_VENDOR: "QEMU", ID_MODEL: "QEMU_HARDDISK", ID_SERIAL: "QM0001" },
      partitions: [{
        name: "sdb1",
        majorMinor: "8:17",
        udev: { ID_PART_ENTRY_NUMBER: "1", ID_FS_TYPE: "ntfs" },
      }],
    });
    const devices = await probeDevices(host, { nodeId: "n" });
    assert.equal(byName(devices, "sdb").make, "QEMU QEMU_HARDDISK");
    assert.equal(byName(devices, "sdb").serial, "QM0001");
    assert.equal(byName(devices, "sdb1").make, "(Part 1)");
    assert.equal(byName(devices, "sdb1").fsType, undefined, "udev's ID_FS_TYPE is not used");
  });
});

Deno.test("probeDevices() marks an XFS device whose drive exists as used by DirectPV", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", image: await fixture("xfs") });
    const asked: string[] = [];
    const [used] = await probeDevices(host, {
      nodeId: "n",
      driveExists: (uuid) => {
        asked.push(uuid);
        return Promise.resolve(asked.length > 0);
      },
    });
    assert.ok(used);
    assert.equal(deniedReason(used), DENIED.usedByDirectpv);
    assert.deepEqual(asked, ["6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10"]);
    const [failed] = await probeDevices(host, {
      nodeId: "n",
      driveExists: () => Promise.reject(new Error("apiserver down")),
    });
    assert.ok(failed);
    assert.equal(deniedReason(failed), "internal error; apiserver down");
  });
});

Deno.test("probeDevices() changes the device id when the device changes", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    const probe = async () => (await probeDevices(host, { nodeId: "n" }))[0]?.id;
    const first = await probe();
    assert.equal(await probe(), first, "stable while nothing changes");
    await host.writeDeviceImage("sdb", await fixture("ext4"));
    const formatted = await probe();
    assert.notEqual(formatted, first);
    await host.addMount({ majorMinor: "8:16", mountPoint: "/mnt", source: "/dev/sdb" });
    assert.notEqual(await probe(), formatted);
    const other = (await probeDevices(host, { nodeId: "other" }))[0]?.id;
    assert.notEqual(other, await probe(), "the node name is part of the id");
  });
});

Deno.test("probeDevices() probes only the devices asked for", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32" });
    const byNameOnly = await probeDevices(host, { nodeId: "n", only: { names: ["sdc"] } });
    assert.deepEqual(byNameOnly.map((d) => d.name), ["sdc"]);
    const byNumber = await probeDevices(host, { nodeId: "n", only: { majorMinors: ["8:16"] } });
    assert.deepEqual(byNumber.map((d) => d.name), ["sdb"]);
  });
});

Deno.test("probeDevices() returns nothing when sysfs has no block class", async () => {
  await withHost(async (host) => {
    await Deno.remove(host.paths.sys("class"), { recursive: true });
    assert.deepEqual(await probeDevices(host, { nodeId: "n" }), []);
  });
});

Deno.test("toNodeDevice() keeps the DirectPVNode fields", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", size: MIB, model: "M" });
    const [d] = await probeDevices(host, { nodeId: "n" });
    assert.ok(d);
    assert.deepEqual(toNodeDevice(d), {
      name: "sdb",
      id: d.id,
      majorMinor: "8:16",
      size: MIB,
      make: "M",
      deniedReason: "Too small",
    });
  });
});
