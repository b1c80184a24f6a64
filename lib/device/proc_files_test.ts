import assert from "node:assert/strict";
import { mapPool } from "./pool.ts";
import { parseCdromInfo, parseSwaps, parseUdevData } from "./proc_files.ts";
import { parseDeviceStat } from "./stat.ts";
import { parseUevent, partitionedDisks, type SysfsEntry } from "./sysfs.ts";

Deno.test("parseUdevData() keeps E: properties only", () => {
  const text = "S:disk/by-id/ata-X\nI:123\nE:ID_VENDOR=ATA\nE:ID_MODEL=QEMU HARDDISK\n" +
    "E:ID_FS_LABEL=a=b\nG:systemd\n";
  assert.deepEqual(parseUdevData(text), {
    ID_VENDOR: "ATA",
    ID_MODEL: "QEMU HARDDISK",
    ID_FS_LABEL: "a=b",
  });
});

Deno.test("parseSwaps() lists swap device paths", () => {
  const text = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" +
    "/dev/zram0                              partition\t8388604\t\t0\t\t100\n" +
    "/swap\\040file                           file\t\t1024\t\t0\t\t-2\n";
  assert.deepEqual([...parseSwaps(text)], ["/dev/zram0", "/swap file"]);
  assert.deepEqual([...parseSwaps("")], []);
});

Deno.test("parseCdromInfo() reads the drive name line", () => {
  const text =
    "CD-ROM information, Id: cdrom.c 3.20\n\ndrive name:\t\tsr1\tsr0\ndrive speed:\t\t1\t1\n";
  assert.deepEqual([...parseCdromInfo(text)], ["sr1", "sr0"]);
  assert.deepEqual([...parseCdromInfo("")], []);
});

Deno.test("parseDeviceStat() accepts 11, 15 and 17 fields", async (t) => {
  await t.step("11 fields (old kernels)", () => {
    const s = parseDeviceStat("1 2 3 4 5 6 7 8 9 10 11\n");
    assert.equal(s.fieldCount, 11);
    assert.equal(s.timeInQueue, 11);
    assert.equal(s.discardIos, 0);
    assert.equal(s.flushTicks, 0);
  });
  await t.step("10 fields", () => {
    const s = parseDeviceStat("1 2 3 4 5 6 7 8 9 10");
    assert.equal(s.ioTicks, 10);
    assert.equal(s.timeInQueue, 0);
  });
  await t.step("17 fields", () => {
    const s = parseDeviceStat(Array.from({ length: 17 }, (_, i) => i + 1).join("  "));
    assert.equal(s.flushTicks, 17);
    assert.equal(s.readSectors, 3);
  });
  await t.step("empty", () => assert.equal(parseDeviceStat("").fieldCount, 0));
  await t.step("garbage", () => assert.throws(() => parseDeviceStat("1 x 3"), SyntaxError));
});

Deno.test("parseUevent() splits KEY=value lines", () => {
  assert.deepEqual(parseUevent("MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\nPARTN=1\n"), {
    MAJOR: "8",
    MINOR: "1",
    DEVNAME: "sda1",
    DEVTYPE: "partition",
    PARTN: "1",
  });
});

Deno.test("partitionedDisks() attributes partitions to the longest matching disk", () => {
  const e = (entry: string, kind: "disk" | "part"): SysfsEntry => ({
    entry,
    name: entry,
    majorMinor: "0:0",
    isPartition: kind === "part",
  });
  const entries = [
    e("sda", "disk"),
    e("sdaa", "disk"),
    e("sdaa1", "part"),
    e("nvme0n1", "disk"),
    e("nvme0n1p2", "part"),
    e("sdb", "disk"),
  ];
  assert.deepEqual([...partitionedDisks(entries)].sort(), ["nvme0n1", "sdaa"]);
});

Deno.test("mapPool() keeps order and bounds concurrency", async () => {
  let active = 0;
  let peak = 0;
  const out = await mapPool([5, 1, 3, 2, 4], 2, async (n) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, n));
    active--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20, 40]);
  assert.equal(peak, 2);
  assert.deepEqual(await mapPool([], 4, () => Promise.resolve(1)), []);
});
