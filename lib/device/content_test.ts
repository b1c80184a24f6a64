import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import { ambivalentData, UNRECOGNISED_DATA } from "../types/mod.ts";
import { EMPTY_CHECK_BYTES, identifyContent } from "./content.ts";
import { DENIED, describeDevice, type Device } from "./device.ts";
import { probeDevices } from "./probe.ts";
import { deviceImage as fixture } from "./testing.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

async function probeOne(host: FakeHost, image?: Uint8Array, size = GIB): Promise<Device> {
  await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", size, ...(image ? { image } : {}) });
  const [device] = await probeDevices(host, { nodeId: "node1" });
  assert.ok(device);
  return device;
}

/** Writes `bytes` at `offset` of the fake device file. */
async function writeAt(host: FakeHost, name: string, offset: number, bytes: Uint8Array) {
  using file = await Deno.open(host.paths.dev(name), { write: true });
  await file.seek(offset, Deno.SeekMode.Start);
  await file.write(bytes);
}

Deno.test("identifyContent() names what libblkid finds, as blkid -p does", async (t) => {
  const cases: [string, string, string | undefined][] = [
    ["xfs", "xfs", "filesystem"],
    ["ext4", "ext4", "filesystem"],
    ["btrfs", "btrfs", "filesystem"],
    ["swap", "swap", "other"],
    ["luks2", "crypto_LUKS", "crypto"],
    ["lvm2", "LVM2_member", "raid"],
    ["vfat", "vfat", "filesystem"],
    ["iso9660", "iso9660", "filesystem"],
  ];
  for (const [name, type, usage] of cases) {
    await t.step(name, async () => {
      await using host = await FakeHost.create();
      const d = await probeOne(host, await fixture(name));
      assert.equal(d.fsType, type);
      assert.equal(d.fsUsage, usage);
      assert.equal(d.unknownData, undefined);
      assert.deepEqual(d.deniedReasons, []);
    });
  }
  await t.step("a partition table", async () => {
    await using host = await FakeHost.create();
    const d = await probeOne(host, await fixture("gpt"));
    assert.equal(d.fsType, undefined);
    assert.equal(d.partTableType, "gpt");
    assert.equal(describeDevice(d), 'a "gpt" partition table');
  });
});

Deno.test("probeDevices() reports a device of non-zero bytes without a signature as unknown data", async (t) => {
  await t.step("at the start", async () => {
    await using host = await FakeHost.create();
    const d = await probeOne(host, crypto.getRandomValues(new Uint8Array(65536)));
    assert.equal(d.unknownData, UNRECOGNISED_DATA);
    assert.equal(d.fsType, undefined);
    assert.deepEqual(d.deniedReasons, [], "available, to be erased only when forced");
    assert.equal(describeDevice(d), UNRECOGNISED_DATA);
  });
  await t.step("in the last MiB only", async () => {
    await using host = await FakeHost.create();
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", size: GIB });
    await writeAt(host, "sdb", GIB - 4096, new Uint8Array(512).fill(0xa5));
    const [d] = await probeDevices(host, { nodeId: "node1" });
    assert.equal(d?.unknownData, UNRECOGNISED_DATA);
  });
  await t.step("not counting bytes between the first and last MiB", async () => {
    await using host = await FakeHost.create();
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", size: GIB });
    await writeAt(host, "sdb", EMPTY_CHECK_BYTES + 4096, new Uint8Array(512).fill(0xa5));
    const [d] = await probeDevices(host, { nodeId: "node1" });
    assert.equal(d?.unknownData, undefined);
  });
  await t.step("on a device smaller than 2 MiB", async () => {
    await using host = await FakeHost.create();
    const path = host.paths.dev("small");
    await Deno.writeFile(path, new Uint8Array([0, 0, 1]));
    await Deno.truncate(path, MIB + 512);
    assert.deepEqual(await identifyContent(host, path, MIB + 512), {
      kind: "unknown",
      description: UNRECOGNISED_DATA,
    });
  });
});

Deno.test("probeDevices() reports contradicting signatures as unknown data", async () => {
  await using host = await FakeHost.create();
  const image = await fixture("btrfs");
  image.set((await fixture("ext2")).subarray(0, 2048));
  const d = await probeOne(host, image);
  assert.equal(d.fsType, undefined);
  assert.equal(d.unknownData, ambivalentData(["ext2", "btrfs"]));
  assert.equal(d.unknownData, 'several signatures ("ext2", "btrfs")');
});

Deno.test("probeDevices() finds an all-zero device empty", async () => {
  await using host = await FakeHost.create();
  const d = await probeOne(host);
  assert.equal(d.unknownData, undefined);
  assert.equal(describeDevice(d), undefined);
});

Deno.test("probeDevices() denies a device whose content cannot be read, never calling it empty", async () => {
  await using host = await FakeHost.create();
  await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
  await Deno.remove(host.paths.dev("sdb"));
  const [d] = await probeDevices(host, { nodeId: "node1" });
  assert.ok(d);
  assert.match(d.readError ?? "", /Cannot probe ".*\/dev\/sdb": No such file or directory/);
  assert.deepEqual(d.deniedReasons, [DENIED.unreadable]);
});

Deno.test("identifyContent() treats a short read as unreadable", async () => {
  await using host = await FakeHost.create();
  const path = host.paths.dev("short");
  await Deno.writeFile(path, new Uint8Array(2 * MIB));
  assert.deepEqual(await identifyContent(host, path, 8 * MIB), {
    kind: "unreadable",
    error: `Short read of "${path}" at offset ${7 * MIB}`,
  });
});

Deno.test("probeDevices() changes the id when data appears on an empty device", async () => {
  await using host = await FakeHost.create();
  const empty = await probeOne(host);
  await host.writeDeviceImage("sdb", new Uint8Array(4096).fill(1));
  const [written] = await probeDevices(host, { nodeId: "node1" });
  assert.ok(written);
  assert.notEqual(written.id, empty.id);
});

Deno.test("probeDevices(fsuuid) reads superblocks with our parsers only", async () => {
  await using host = await FakeHost.create();
  await host.addBlockDevice({
    name: "sdb",
    majorMinor: "8:16",
    image: crypto.getRandomValues(new Uint8Array(4096)),
  });
  await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", image: await fixture("xfs") });
  const [random, xfs] = await probeDevices(host, { nodeId: "n", content: "fsuuid" });
  assert.equal(random?.unknownData, undefined, "no zero check in this mode");
  assert.equal(xfs?.fsUuid, "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10");
});

Deno.test("probeDevices() names the content of a device denied anyway with our parsers only", async () => {
  await using host = await FakeHost.create();
  await host.addBlockDevice({
    name: "sdb",
    majorMinor: "8:16",
    image: crypto.getRandomValues(new Uint8Array(4096)),
  });
  await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", image: await fixture("ext4") });
  await host.addMount({ majorMinor: "8:16", mountPoint: "/data" });
  await host.addMount({ majorMinor: "8:32", mountPoint: "/home" });
  const [random, ext4] = await probeDevices(host, { nodeId: "n" });
  assert.deepEqual(random?.deniedReasons, [DENIED.mounted]);
  assert.equal(random?.unknownData, undefined, "never formatted, so not zero-checked");
  assert.equal(ext4?.fsType, "ext4");
  assert.equal(ext4?.fsUsage, undefined, "from our parser, not libblkid");
});
