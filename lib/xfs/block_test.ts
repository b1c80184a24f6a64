import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import {
  attachBlockFile,
  blockFilePath,
  blockQuotaSize,
  detachBlockFile,
  growBlockFile,
  loopDevicesOf,
} from "./block.ts";
import { scriptLoopDevices } from "./testing.ts";

async function loopHost(): Promise<{ host: FakeHost; loops: Map<string, string> }> {
  const host = await FakeHost.create();
  return { host, loops: scriptLoopDevices(host) };
}

Deno.test("blockFilePath() is block.img in the volume directory", async () => {
  await using host = await FakeHost.create();
  assert.equal(
    blockFilePath(host, "u1", "pvc-1"),
    host.paths.app("mnt", "u1", ".FSUUID.u1", "pvc-1", "block.img"),
  );
  assert.ok(blockQuotaSize(1 << 30) > 1 << 30);
});

Deno.test("attachBlockFile() preallocates once and keeps one loop device per file", async () => {
  const { host, loops } = await loopHost();
  await using _ = host;
  const file = `${host.paths.root}/block.img`;
  const device = await attachBlockFile(host, { file, size: 4096 });
  assert.equal(device, "/dev/loop7");
  assert.equal((await Deno.stat(file)).size, 4096);
  assert.equal(await attachBlockFile(host, { file, size: 4096 }), device);
  assert.equal(loops.size, 1);
  const attach = host.execCalls.filter((c) => c.args.includes("--find"));
  assert.deepEqual(attach.map((c) => c.args), [["--find", "--show", "--direct-io=on", file]]);
  assert.equal(host.execCalls.filter((c) => c.command === "fallocate").length, 1);
});

Deno.test("growBlockFile() grows the file and refreshes its loop device", async () => {
  const { host } = await loopHost();
  await using _ = host;
  const file = `${host.paths.root}/block.img`;
  const device = await attachBlockFile(host, { file, size: 4096 });
  await growBlockFile(host, { file, size: 8192 });
  assert.equal((await Deno.stat(file)).size, 8192);
  assert.deepEqual(host.execCalls.at(-1)?.args, ["-c", device]);
});

Deno.test("detachBlockFile() detaches every device and ignores a missing file", async () => {
  const { host, loops } = await loopHost();
  await using _ = host;
  const file = `${host.paths.root}/block.img`;
  await attachBlockFile(host, { file, size: 4096 });
  await detachBlockFile(host, file);
  assert.equal(loops.size, 0);
  assert.deepEqual(await loopDevicesOf(host, file), []);
  const calls = host.execCalls.length;
  await detachBlockFile(host, `${host.paths.root}/missing.img`);
  assert.equal(host.execCalls.length, calls, "no losetup for a file that does not exist");
});
