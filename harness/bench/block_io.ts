/**
 * Benchmark: sequential write and read through a published block volume (its loop device
 * bind-mounted onto a file, direct I/O) against a file on the same XFS drive's filesystem
 * (direct I/O too). Prints MB/s and the block/filesystem ratio; asserts nothing. Root only.
 *
 *   deno run -A harness/bench/block_io.ts [--mib 256]
 */
import { parseArgs } from "node:util";
import { createRealHost } from "../../lib/sys/mod.ts";
import {
  attachBlockFile,
  blockFilePath,
  createVolumeDir,
  detachBlockFile,
  drivePaths,
  unmountDrive,
} from "../../lib/xfs/mod.ts";
import { LoopLab, sh } from "../privileged/_lab.ts";
import { benchDrive } from "./xfs_drive.ts";

const { values } = parseArgs({ args: Deno.args, options: { mib: { type: "string" } } });
const MIB = 1024 ** 2;
const mib = Number(values.mib ?? "256");

/** MB/s of a dd run moving `mib` MiB with direct I/O. */
async function dd(args: string[]): Promise<number> {
  const started = performance.now();
  await sh("dd", ...args, "bs=1M", `count=${mib}`, "status=none");
  return mib / ((performance.now() - started) / 1000);
}

async function measure(path: string): Promise<{ write: number; read: number }> {
  const write = await dd(["if=/dev/zero", `of=${path}`, "oflag=direct", "conv=notrunc"]);
  const read = await dd([`if=${path}`, "of=/dev/null", "iflag=direct"]);
  return { write, read };
}

await using lab = await LoopLab.create();
const host = createRealHost({ appDir: `${lab.dir}/app` });
const { fsuuid } = await benchDrive(lab, host, 2 * mib * MIB + 1024 * MIB);
await createVolumeDir(host, fsuuid, "pvc-bench");
const file = blockFilePath(host, fsuuid, "pvc-bench");
try {
  const device = await attachBlockFile(host, { file, size: mib * MIB });
  const target = `${await lab.mkdir("publish")}/pvc-bench`;
  await Deno.writeTextFile(target, "");
  await host.mounter.bindMount(device, target);
  const block = await measure(target);
  await host.mounter.unmount(target, { force: true, detach: true });
  const plain = `${drivePaths(host, fsuuid).mountPoint}/plain.bin`;
  await sh("fallocate", "-l", String(mib * MIB), plain);
  const fs = await measure(plain);
  const f = (n: number) => n.toFixed(0);
  console.log(`block volume: write ${f(block.write)} MB/s, read ${f(block.read)} MB/s`);
  console.log(`filesystem:   write ${f(fs.write)} MB/s, read ${f(fs.read)} MB/s`);
  console.log(
    `ratio block/filesystem: write ${(block.write / fs.write).toFixed(2)}, ` +
      `read ${(block.read / fs.read).toFixed(2)} (${mib} MiB, direct I/O, same drive)`,
  );
} finally {
  await detachBlockFile(host, file);
  await unmountDrive(host, fsuuid);
}
