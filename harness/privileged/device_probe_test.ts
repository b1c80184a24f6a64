/**
 * probeDevices() and findByFsuuid() on real loop devices. Run as root:
 * `deno test -A harness/privileged`.
 */
import assert from "node:assert/strict";
import { deniedReason, type Device, probeDevices } from "../../lib/device/mod.ts";
import { createRealHost, type Host } from "../../lib/sys/mod.ts";
import { baseName, LoopLab, privilegedTest, sh } from "./_lab.ts";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

async function probeOne(
  host: Host,
  device: string,
  { allowLoop = true }: { allowLoop?: boolean } = {},
): Promise<Device> {
  const name = baseName(device);
  const [d] = await probeDevices(host, {
    nodeId: "privileged",
    allowLoop,
    only: { names: [name] },
  });
  assert.ok(d, `${name} was not probed`);
  return d;
}

privilegedTest("probeDevices() on loop devices gives each its denied reason", async (t) => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const blank = await lab.attach(await lab.image("blank", GIB));
  const ext4 = await lab.attach(await lab.image("ext4", GIB));
  await sh("mkfs.ext4", "-q", "-L", "probe-ext4", ext4);
  const table = await lab.attach(await lab.image("table", GIB));
  await sh("sh", "-c", `printf 'label: gpt\\n,256M\\n' | sfdisk -q ${table}`);
  const partedImage = await lab.image("parted", GIB);
  await sh("sh", "-c", `printf 'label: dos\\n,256M\\n' | sfdisk -q ${partedImage}`);
  const parted = await lab.attach(partedImage, { partScan: true });
  const mounted = await lab.attach(await lab.image("mounted", GIB));
  await sh("mkfs.ext4", "-q", mounted);
  await sh("mount", mounted, await lab.mkdir("mnt"));
  const readOnly = await lab.attach(await lab.image("ro", GIB), { readOnly: true });
  const small = await lab.attach(await lab.image("small", 256 * MIB));

  const started = performance.now();
  const all = await probeDevices(host, { nodeId: "privileged", allowLoop: true });
  console.log(
    `probeDevices(): ${all.length} devices on this host in ${
      (performance.now() - started).toFixed(1)
    } ms`,
  );

  await t.step("blank: available with loop devices allowed", async () => {
    assert.deepEqual((await probeOne(host, blank)).deniedReasons, []);
  });
  await t.step("blank: Loop device when loop devices are not allowed", async () => {
    assert.equal(deniedReason(await probeOne(host, blank, { allowLoop: false })), "Loop device");
  });
  await t.step("ext4: available, with fs facts from the superblock", async () => {
    const blkid = (await sh("blkid", "-o", "value", "-s", "UUID", ext4)).trim();
    const d = await probeOne(host, ext4);
    assert.equal(d.fsType, "ext4");
    assert.equal(d.fsUuid, blkid);
    assert.equal(d.label, "probe-ext4");
    assert.deepEqual(d.deniedReasons, []);
  });
  await t.step("partition table without partitions: gpt, available", async () => {
    const d = await probeOne(host, table);
    assert.equal(d.partTableType, "gpt");
    assert.deepEqual(d.deniedReasons, []);
  });
  await t.step("partitioned: Partitioned, and its partition is a device", async () => {
    assert.equal(deniedReason(await probeOne(host, parted)), "Partitioned");
    const part = await probeOne(host, `${parted}p1`);
    assert.ok(part.isPartition);
    assert.equal(part.partitionNumber, 1);
    assert.equal(part.size, 256 * MIB);
    assert.equal(deniedReason(part), "Too small");
  });
  await t.step("mounted: Mounted", async () => {
    const d = await probeOne(host, mounted);
    assert.equal(deniedReason(d), "Mounted");
    assert.deepEqual(d.mountPoints, [`${lab.dir}/mnt`]);
  });
  await t.step("read-only: Read only", async () => {
    assert.equal(deniedReason(await probeOne(host, readOnly)), "Read only");
  });
  await t.step("256 MiB: Too small", async () => {
    assert.equal(deniedReason(await probeOne(host, small)), "Too small");
  });
});
