import assert from "node:assert/strict";
import { NotFoundError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { probeXfs, readXfsSuperblock } from "./superblock.ts";
import { xfsSuperblockImage } from "./testing.ts";

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("readXfsSuperblock() decodes a superblock made by mkfs.xfs", async () => {
  const sb = readXfsSuperblock(await fixture("xfs"), "/dev/sdb");
  assert.equal(sb.uuid, "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10");
  assert.equal(sb.label, "DIRECTPV");
  assert.equal(sb.blockSize, 4096);
  assert.equal(sb.dataBlocks, 131072);
  assert.equal(sb.totalCapacity, 512 * 1024 * 1024);
  assert.ok(sb.freeDataBlocks > 0 && sb.freeDataBlocks < sb.dataBlocks);
  assert.equal(sb.freeCapacity, sb.freeDataBlocks * 4096);
  assert.equal(sb.version, 5);
  assert.ok(sb.reflink);
  assert.ok(!sb.inProgress, "mkfs.xfs finished");
});

Deno.test("readXfsSuperblock() sees a superblock mkfs.xfs never finished", () => {
  const uuid = "0b0e5d5c-1111-4c4c-8888-000000000002";
  assert.ok(readXfsSuperblock(xfsSuperblockImage({ uuid, inProgress: true })).inProgress);
  assert.ok(!readXfsSuperblock(xfsSuperblockImage({ uuid })).inProgress);
});

Deno.test("readXfsSuperblock() sees reflink turned off", async () => {
  const sb = readXfsSuperblock(await fixture("xfs_noreflink"));
  assert.ok(!sb.reflink);
  assert.equal(sb.uuid, "0a5b2c8d-1e4f-4a6b-8c7d-9e0f1a2b3c4d");
});

Deno.test("readXfsSuperblock() names the device when there is no XFS", () => {
  assert.throws(
    () => readXfsSuperblock(new Uint8Array(512), "/dev/sdc"),
    (err: unknown) =>
      err instanceof NotFoundError && err.message.includes('"/dev/sdc"') &&
      err.message.includes("filesystem not found"),
  );
  assert.throws(() => readXfsSuperblock(new Uint8Array(10), "/dev/sdc"), NotFoundError);
});

Deno.test("probeXfs() reads the device through the host", async () => {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", image: await fixture("xfs") });
    assert.equal((await probeXfs(host, host.paths.dev("sdb"))).label, "DIRECTPV");
    await assert.rejects(() => probeXfs(host, host.paths.dev("missing")), NotFoundError);
  } finally {
    await host.dispose();
  }
});
