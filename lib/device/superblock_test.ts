import assert from "node:assert/strict";
import { probeContent } from "./fs_probe.ts";
import { parseExt, parseGpt, parseMbr, parseSwap, parseXfs } from "./superblock.ts";

const LITTLE_ENDIAN = true;

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A reader over an image, as if the device were large: zeros past the fixture's end. */
function readerOf(image: Uint8Array, deviceSize = 1 << 30) {
  return (offset: number, length: number): Promise<Uint8Array> => {
    const n = Math.max(0, Math.min(length, deviceSize - offset));
    const out = new Uint8Array(n);
    out.set(image.subarray(offset, offset + n));
    return Promise.resolve(out);
  };
}

const CASES: [string, { type: string; uuid?: string; label?: string }][] = [
  ["xfs", { type: "xfs", uuid: "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10", label: "DIRECTPV" }],
  ["ext4", { type: "ext4", uuid: "3d0f5a3e-9b2c-4c1e-8f6a-1b2c3d4e5f60", label: "data-ext4" }],
  ["ext3", { type: "ext3", uuid: "4e1a6b4f-0c3d-4d2f-9a7b-2c3d4e5f6a71", label: "data-ext3" }],
  ["ext2", { type: "ext2", uuid: "5f2b7c5a-1d4e-4e3a-8b8c-3d4e5f6a7b82", label: "data-ext2" }],
  ["btrfs", { type: "btrfs", uuid: "7a3c8d6b-2e5f-4f4b-9c9d-4e5f6a7b8c93", label: "data-btrfs" }],
  ["swap", { type: "swap", uuid: "8b4d9e7c-3f6a-4a5c-8dae-5f6a7b8c9da4", label: "data-swap" }],
  ["luks2", {
    type: "crypto_LUKS",
    uuid: "9c5eaf8d-4a7b-4b6d-9ebf-6a7b8c9daeb5",
    label: "data-luks",
  }],
  ["luks1", { type: "crypto_LUKS", uuid: "ad6fba9e-5b8c-4c7e-8fca-7b8c9daebfc6" }],
  ["lvm2", { type: "LVM2_member", uuid: "Fa1bC2-dE3f-G4h5-I6j7-K8l9-M0n1-O2p3q4" }],
  ["vfat", { type: "vfat", uuid: "1234-ABCD", label: "DATAFAT32" }],
  ["fat16", { type: "vfat", uuid: "0BAD-CAFE", label: "DATAFAT16" }],
  ["iso9660", { type: "iso9660", uuid: "2024-01-02-03-04-05-00", label: "DATA_ISO" }],
];

Deno.test("probeContent() recognises real superblock images", async (t) => {
  for (const [name, want] of CASES) {
    await t.step(name, async () => {
      const got = await probeContent(readerOf(await fixture(name)));
      assert.deepEqual(got, { fs: want });
    });
  }
});

Deno.test("probeContent() recognises partition tables", async (t) => {
  await t.step("gpt", async () => {
    const got = await probeContent(readerOf(await fixture("gpt")));
    assert.deepEqual(got, {
      partTable: { type: "gpt", uuid: "11111111-2222-4333-8444-555555555555" },
    });
  });
  await t.step("mbr", async () => {
    const got = await probeContent(readerOf(await fixture("mbr")));
    assert.deepEqual(got, { partTable: { type: "dos", uuid: "1234abcd" } });
  });
});

Deno.test("probeContent() finds nothing on a blank device", async () => {
  assert.deepEqual(await probeContent(readerOf(new Uint8Array(8192))), {});
});

Deno.test("probeContent() reads only the first 4 KiB when it holds a filesystem", async () => {
  const image = await fixture("ext4");
  const reads: [number, number][] = [];
  const read = readerOf(image);
  await probeContent((o, n) => {
    reads.push([o, n]);
    return read(o, n);
  });
  assert.deepEqual(reads, [[0, 4096]]);
});

Deno.test("probeContent() does not read past a device shorter than 4 KiB", async () => {
  const reads: number[] = [];
  await probeContent((o, n) => {
    reads.push(o);
    return Promise.resolve(new Uint8Array(Math.min(n, 100)));
  });
  assert.deepEqual(reads, [0]);
});

Deno.test("parseXfs() rejects bytes without the XFSB magic", () => {
  assert.equal(parseXfs(new Uint8Array(512)), undefined);
});

Deno.test("parseExt() ignores an external journal device", async () => {
  const sb = (await fixture("ext4")).slice(1024);
  new DataView(sb.buffer).setUint32(0x60, 0x0008, LITTLE_ENDIAN);
  assert.equal(parseExt(sb), undefined);
});

Deno.test("parseSwap() recognises the old SWAP-SPACE signature", () => {
  const page = new Uint8Array(4096);
  page.set(new TextEncoder().encode("SWAP-SPACE"), 4086);
  assert.deepEqual(parseSwap(page, 4096), { type: "swap" });
});

Deno.test("probeContent() finds swap made with 64 KiB pages", async () => {
  const image = new Uint8Array(65536);
  image.set(new TextEncoder().encode("SWAPSPACE2"), 65526);
  image.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 0x40c);
  const got = await probeContent(readerOf(image));
  assert.deepEqual(got, { fs: { type: "swap", uuid: "01020304-0506-0708-090a-0b0c0d0e0f10" } });
});

Deno.test("parseMbr() rejects a sector with invalid boot flags", () => {
  const s = new Uint8Array(512);
  s[510] = 0x55;
  s[511] = 0xaa;
  s[446] = 0x12;
  s[450] = 0x83;
  assert.equal(parseMbr(s), undefined);
});

Deno.test("parseGpt() needs the EFI PART signature", () => {
  assert.equal(parseGpt(new Uint8Array(92)), undefined);
});
