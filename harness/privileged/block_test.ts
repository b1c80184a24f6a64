/**
 * Block volumes on a real XFS drive: block.img preallocated and attached as a direct-I/O loop
 * device, bind-mounted onto a file as kubelet's publish path, written and read back, grown
 * online, never discovered as a drive, detached at the end. Run as root.
 */
import assert from "node:assert/strict";
import { describeDevice, probeDevices } from "../../lib/device/mod.ts";
import { createRealHost } from "../../lib/sys/mod.ts";
import {
  attachBlockFile,
  blockFilePath,
  createVolumeDir,
  detachBlockFile,
  formatDrive,
  growBlockFile,
  loopDevicesOf,
  mountDrive,
  unmountDrive,
  writeDriveLayout,
} from "../../lib/xfs/mod.ts";
import { baseName, checksum, LoopLab, privilegedTest, sh } from "./_lab.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

privilegedTest("A block volume is a direct-I/O loop device on its drive's file", async (t) => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const loop = await lab.attach(await lab.image("drive", GIB));
  const only = { names: [baseName(loop)] };
  const [before] = await probeDevices(host, { nodeId: "p", allowLoop: true, only });
  assert.ok(before);
  const { fsuuid } = await formatDrive(host, {
    device: baseName(loop),
    expectedId: before.id,
    force: false,
    probe: async () => {
      const [d] = await probeDevices(host, { nodeId: "p", allowLoop: true, only });
      return d ? { ...d, holds: describeDevice(d) } : undefined;
    },
  });
  await mountDrive(host, loop, fsuuid, { quota: "best-effort" });
  await writeDriveLayout(host, fsuuid);
  await createVolumeDir(host, fsuuid, "pvc-block");
  const file = blockFilePath(host, fsuuid, "pvc-block");
  try {
    const device = await attachBlockFile(host, { file, size: 64 * MIB });
    await t.step("the file is preallocated and attached with direct I/O", async () => {
      assert.equal((await Deno.stat(file)).size, 64 * MIB);
      const du = Number((await sh("du", "-B1", file)).split(/\s/)[0]);
      assert.ok(du >= 64 * MIB, `allocated ${du} bytes`);
      const dio = (await Deno.readTextFile(`/sys/block/${baseName(device)}/loop/dio`)).trim();
      assert.equal(dio, "1");
      assert.equal(await attachBlockFile(host, { file, size: 64 * MIB }), device, "idempotent");
    });
    await t.step("discovery never lists the volume's loop device", async () => {
      const names = (await probeDevices(host, { nodeId: "p", allowLoop: true })).map((d) => d.name);
      assert.ok(!names.includes(baseName(device)), names.join(" "));
      assert.ok(names.includes(baseName(loop)));
    });
    await t.step("a bind mount on a file exposes the device; data reads back", async () => {
      const target = `${await lab.mkdir("publish")}/pvc-block`;
      await Deno.writeTextFile(target, "");
      await host.mounter.bindMount(device, target);
      try {
        await sh("dd", "if=/dev/urandom", `of=${target}`, "bs=1M", "count=8", "oflag=direct");
        assert.equal(await checksum(target, 8 * MIB), await checksum(file, 8 * MIB));
      } finally {
        await host.mounter.unmount(target, { force: true, detach: true });
      }
    });
    await t.step("growing the file grows the attached device online", async () => {
      await growBlockFile(host, { file, size: 96 * MIB });
      assert.equal(Number((await sh("blockdev", "--getsize64", device)).trim()), 96 * MIB);
    });
  } finally {
    await detachBlockFile(host, file);
  }
  assert.deepEqual(await loopDevicesOf(host, file), []);
  await unmountDrive(host, fsuuid);
});
