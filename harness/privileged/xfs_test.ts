/**
 * The drive lifecycle on real loop devices: mkfs → superblock → mount → layout → volume dir →
 * bind mounts → unmount → found again by FSUUID under another loop name; and the refusal to
 * format a mounted device. Run as root: `deno test -A harness/privileged`.
 */
import assert from "node:assert/strict";
import { describeDevice, findByFsuuid, probeDevices } from "../../lib/device/mod.ts";
import { FailedPreconditionError, UnsafeOperationError } from "../../lib/errors/mod.ts";
import { createRealHost, type Host } from "../../lib/sys/mod.ts";
import {
  createVolumeDir,
  detectQuotaSupport,
  type DeviceState,
  drivePaths,
  formatDrive,
  metaInfoContent,
  mountDrive,
  probeXfs,
  unmountDrive,
  writeDriveLayout,
  xfsRepair,
} from "../../lib/xfs/mod.ts";
import { baseName, checksum, LoopLab, privilegedTest, sh } from "./_lab.ts";

const GIB = 1024 ** 3;

function prober(host: Host): (name: string) => Promise<DeviceState | undefined> {
  return async (name) => {
    const only = { names: [name] };
    const [d] = await probeDevices(host, { nodeId: "privileged", allowLoop: true, only });
    return d ? { ...d, holds: describeDevice(d) } : undefined;
  };
}

privilegedTest("A loop device goes through the whole drive lifecycle", async (t) => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const image = await lab.image("drive", GIB);
  const loop = await lab.attach(image);
  const name = baseName(loop);
  const probe = prober(host);
  const before = await probe(name);
  assert.ok(before);

  const { fsuuid, superblock } = await formatDrive(host, {
    device: name,
    expectedId: before.id,
    force: false,
    probe,
  });
  await t.step("mkfs writes the superblock DirectPV expects", async () => {
    assert.equal(superblock.uuid, fsuuid);
    assert.equal(superblock.label, "DIRECTPV");
    assert.equal(superblock.totalCapacity, GIB);
    assert.deepEqual(await probeXfs(host, loop), superblock);
    assert.equal((await sh("blkid", "-o", "value", "-s", "UUID", loop)).trim(), fsuuid);
  });

  const quotaSupported = await detectQuotaSupport(host);
  if (quotaSupported === false) {
    await t.step("required quota fails clearly on this kernel", async () => {
      const err = await mountDrive(host, loop, fsuuid, { quota: "required" }).catch((e) => e);
      assert.ok(err instanceof FailedPreconditionError, String(err));
      assert.match(err.message, new RegExp(`"${loop}".*no XFS quota.*--quota=best-effort`));
    });
  }
  const mount = await mountDrive(host, loop, fsuuid, { quota: "best-effort" });
  const paths = drivePaths(host, fsuuid);
  await t.step("the drive is mounted noatime at <app>/mnt/<fsuuid>", async () => {
    assert.equal(mount.mountPoint, paths.mountPoint);
    assert.equal(mount.quota, quotaSupported !== false);
    const entry = (await host.mounter.mountInfo()).find((m) => m.mountPoint === paths.mountPoint);
    assert.ok(entry?.mountOptions.includes("noatime"));
    assert.equal(entry?.fsType, "xfs");
    const again = await mountDrive(host, loop, fsuuid, { quota: "best-effort" });
    assert.ok(again.alreadyMounted);
  });

  await writeDriveLayout(host, fsuuid);
  await t.step("the drive layout is DirectPV's", async () => {
    assert.equal(await Deno.readLink(paths.fsuuidLink), ".");
    assert.equal(await Deno.readTextFile(paths.metaInfo), metaInfoContent(fsuuid));
    assert.equal((await host.fs.stat(paths.metaDir))?.mode, 0o750);
    assert.equal((await host.fs.stat(paths.metaInfo))?.mode, 0o640);
  });

  const volume = await createVolumeDir(host, fsuuid, "pvc-privileged");
  await t.step("a bind mount exposes the volume directory", async () => {
    const staging = await lab.mkdir("staging");
    await host.mounter.bindMount(volume, staging);
    await Deno.writeTextFile(`${staging}/data.txt`, "hello");
    assert.equal(await Deno.readTextFile(`${volume}/data.txt`), "hello");
    const entry = (await host.mounter.mountInfo()).find((m) => m.mountPoint === staging);
    assert.equal(entry?.root, "/pvc-privileged");
    await host.mounter.unmount(staging, { force: true, detach: true });
  });
  await t.step("a read-only bind mount refuses writes", async () => {
    const target = await lab.mkdir("target-ro");
    await host.mounter.bindMount(volume, target, { readOnly: true });
    assert.equal(await Deno.readTextFile(`${target}/data.txt`), "hello");
    await assert.rejects(() => Deno.writeTextFile(`${target}/other.txt`, "x"));
    await host.mounter.unmount(target);
    await host.mounter.unmount(target);
  });
  await t.step("usage comes from statfs", async () => {
    const usage = await host.fs.usage(paths.mountPoint);
    assert.ok(usage.totalBytes > 0.9 * GIB && usage.totalBytes <= GIB);
    assert.ok(usage.freeBytes <= usage.totalBytes);
  });

  await unmountDrive(host, fsuuid);
  await t.step("xfs_repair -n finds a clean filesystem", async () => {
    const lines: string[] = [];
    await xfsRepair(host, loop, { dryRun: true, onLine: (l) => lines.push(l) });
    assert.ok(lines.length > 0);
  });
  await t.step("the drive is found by FSUUID after moving to another loop device", async () => {
    await lab.detach(loop);
    const placeholder = await lab.attach(await lab.image("placeholder", GIB));
    const moved = await lab.attach(image);
    assert.notEqual(moved, loop);
    const started = performance.now();
    const match = await findByFsuuid(host, fsuuid, { allowLoop: true });
    console.log(`findByFsuuid(): ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(match.kind, "one");
    assert.equal(match.kind === "one" && match.device.name, baseName(moved));
    assert.equal((await findByFsuuid(host, fsuuid)).kind, "none", "loop devices not allowed");
    await lab.detach(placeholder);
  });
});

privilegedTest("Formatting a mounted device is refused and its data is intact", async () => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const loop = await lab.attach(await lab.image("busy", GIB));
  await sh("mkfs.ext4", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", loop);
  const mnt = await lab.mkdir("busy-mnt");
  await sh("mount", loop, mnt);
  await Deno.writeTextFile(`${mnt}/keep.txt`, "precious");
  await sh("umount", mnt);
  // Mounted read-only so that nothing but a format attempt could change the bytes.
  await sh("mount", "-o", "ro", loop, mnt);
  const sumBefore = await checksum(loop, 64 * 1024 * 1024);
  const probe = prober(host);
  const state = await probe(baseName(loop));
  assert.ok(state);
  const err = await formatDrive(host, {
    device: baseName(loop),
    expectedId: state.id,
    force: true,
    probe,
  }).catch((e) => e);
  assert.ok(err instanceof UnsafeOperationError, String(err));
  assert.match(err.message, new RegExp(`^Cannot format device "${loop}": it is mounted at`));
  assert.equal(await checksum(loop, 64 * 1024 * 1024), sumBefore);
  assert.equal(await Deno.readTextFile(`${mnt}/keep.txt`), "precious");
});

privilegedTest("Formatting a device whose state changed is refused", async () => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const loop = await lab.attach(await lab.image("changing", GIB));
  const probe = prober(host);
  const seen = await probe(baseName(loop));
  assert.ok(seen);
  await sh("mkfs.ext4", "-q", loop);
  const sumBefore = await checksum(loop, 16 * 1024 * 1024);
  const err = await formatDrive(host, {
    device: baseName(loop),
    expectedId: seen.id,
    force: true,
    probe,
  }).catch((e) => e);
  assert.ok(err instanceof UnsafeOperationError, String(err));
  assert.match(err.message, /device state changed/);
  assert.equal(await checksum(loop, 16 * 1024 * 1024), sumBefore);
});
