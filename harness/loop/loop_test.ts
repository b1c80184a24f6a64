// Loop-device drive tests: root, losetup, mkfs.xfs and mount. Run with `deno test -A
// harness/loop`. Without root or the tools they are skipped, or fail under CI=true.
import assert from "node:assert/strict";
import { pathExists, run, testGate } from "../lib/mod.ts";
import {
  attachedLoops,
  cleanupLoopDir,
  cleanupLoopDrives,
  createLoopDrives,
  detach,
  type LoopDrive,
  mountsOf,
  parseMounts,
  readRegistry,
  reattach,
  registryPath,
} from "./mod.ts";

const gate = await testGate("loop device tests", {
  root: true,
  commands: ["losetup", "mount", "umount", "mkfs.xfs"],
});

const MiB = 2 ** 20;

async function loopsIn(dir: string): Promise<string[]> {
  return (await attachedLoops()).filter((l) => l.backingFile.startsWith(`${dir}/`)).map((l) =>
    l.device
  );
}

async function losetupListsDir(dir: string): Promise<boolean> {
  const out = (await run("losetup", ["-a"])).stdout;
  return out.includes(`(${dir}/`);
}

async function assertNothingLeft(dir: string, drives: readonly LoopDrive[]): Promise<void> {
  assert.deepEqual(await loopsIn(dir), []);
  assert.ok(!(await losetupListsDir(dir)), "losetup -a still lists a drive");
  assert.deepEqual(await mountsOf(drives.map((d) => d.majorMinor)), []);
  for (const d of drives) assert.ok(!(await pathExists(d.backingFile)), d.backingFile);
  assert.ok(!(await pathExists(registryPath(dir))), "the registry remains");
}

Deno.test({
  name: "createLoopDrives() attaches drives that detach, reattach and clean up without a trace",
  ignore: gate.ignore,
  async fn(t) {
    gate.assert();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "directpv-loop-test-" }));
    const mnt = `${dir}/mnt`;
    let drives: LoopDrive[] = [];
    try {
      drives = await createLoopDrives([
        { size: "512MiB", name: "xfs" },
        { size: 64 * MiB },
        { size: "32MiB", readOnly: true },
      ], { dir });
      await t.step("each drive is a loop device over a sparse file", async () => {
        assert.equal(drives.length, 3);
        for (const d of drives) {
          assert.match(d.device, /^\/dev\/loop\d+$/);
          const sysfs = await Deno.readTextFile(`/sys/block/${d.device.slice(5)}/dev`);
          assert.equal(d.majorMinor, sysfs.trim());
          const info = await Deno.stat(d.backingFile);
          assert.equal(info.size, d.size);
          assert.ok((info.blocks ?? 0) * 512 < d.size, "backing file is not sparse");
        }
        assert.equal(drives[0]?.backingFile, `${dir}/xfs.img`);
        assert.deepEqual(drives.map((d) => d.readOnly), [false, false, true]);
        const ro = await Deno.readTextFile(`/sys/block/${drives[2]?.device.slice(5)}/ro`);
        assert.equal(ro.trim(), "1");
        assert.equal((await readRegistry(dir)).length, 3);
        assert.deepEqual((await loopsIn(dir)).sort(), drives.map((d) => d.device).sort());
      });
      await t.step("detach() removes the device and reattach() brings it back", async () => {
        const second = drives[1] as LoopDrive;
        await detach(second);
        assert.ok(!(await loopsIn(dir)).includes(second.device));
        assert.equal((await loopsIn(dir)).length, 2);
        const again = await reattach(second);
        drives[1] = again;
        assert.match(again.device, /^\/dev\/loop\d+$/);
        assert.equal(again.backingFile, second.backingFile);
        assert.equal((await loopsIn(dir)).length, 3);
        const entry = (await readRegistry(dir)).find((e) => e.backingFile === again.backingFile);
        assert.equal(entry?.device, again.device);
      });
      await t.step("cleanup unmounts a mounted drive and its bind mount", async () => {
        const xfs = drives[0] as LoopDrive;
        await run("mkfs.xfs", ["-q", xfs.device]);
        await Deno.mkdir(`${mnt}/a`, { recursive: true });
        await Deno.mkdir(`${mnt}/b`, { recursive: true });
        await run("mount", [xfs.device, `${mnt}/a`]);
        await Deno.mkdir(`${mnt}/a/sub`);
        await run("mount", ["--bind", `${mnt}/a/sub`, `${mnt}/b`]);
        assert.equal((await mountsOf([xfs.majorMinor])).length, 2);
        await cleanupLoopDrives(drives);
        await assertNothingLeft(dir, drives);
      });
      await t.step("cleanup twice is harmless", async () => {
        await cleanupLoopDrives(drives);
        await assertNothingLeft(dir, drives);
      });
    } finally {
      await cleanupLoopDrives(drives).catch(() => {});
      await cleanupLoopDir(dir).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cleanupLoopDir() removes the leftovers of a crashed run, registered or not",
  ignore: gate.ignore,
  async fn() {
    gate.assert();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "directpv-loop-test-" }));
    try {
      const drives = await createLoopDrives([{ size: "16MiB" }, { size: "16MiB" }], { dir });
      // Simulate a crash that lost the registry and deleted a backing file under the device.
      await Deno.remove(registryPath(dir));
      await Deno.remove(drives[1]?.backingFile ?? "");
      assert.equal((await loopsIn(dir)).length, 2);
      const res = await cleanupLoopDir(dir);
      assert.equal(res.backingFiles.length, 2);
      await assertNothingLeft(dir, drives);
      assert.deepEqual((await cleanupLoopDir(dir)).backingFiles, []);
    } finally {
      await cleanupLoopDir(dir).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "createLoopDrives() rejects a bad size and leaves nothing behind",
  ignore: gate.ignore,
  async fn() {
    gate.assert();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "directpv-loop-test-" }));
    try {
      await assert.rejects(
        createLoopDrives([{ size: "16MiB", name: "ok" }, { size: 1000 }], { dir }),
        /Invalid loop drive size "1000"/,
      );
      assert.deepEqual(await loopsIn(dir), []);
      assert.ok(!(await pathExists(`${dir}/ok.img`)));
      await assert.rejects(createLoopDrives([{ size: "1MiB", name: "../x" }], { dir }), /name/);
    } finally {
      await cleanupLoopDir(dir).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("parseMounts() reads device numbers and unescapes mount points", () => {
  const text = "36 35 7:3 / /mnt/with\\040space rw - xfs /dev/loop3 rw\n" +
    "37 35 0:22 / /dev/shm rw - tmpfs tmpfs rw\n";
  assert.deepEqual(parseMounts(text), [
    { majorMinor: "7:3", mountPoint: "/mnt/with space" },
    { majorMinor: "0:22", mountPoint: "/dev/shm" },
  ]);
});
