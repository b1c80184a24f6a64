/**
 * Benchmark: how long the node server's reflink copies (`reflinkCopyTree`, which its clone,
 * snapshot and restore steps run) take for a volume holding `--mib` MiB
 * (default 1024) on a real XFS loop drive formatted as `init` formats it: a clone into a new
 * volume, a snapshot cut, a restore from the snapshot, and for comparison a full byte copy
 * (`cp --reflink=never`, what a drive without reflink would need). Prints seconds and the
 * drive space each used; asserts nothing. Root only.
 *
 *   deno run -A harness/bench/reflink_copy.ts [--mib 1024] [--files 16]
 */
import { parseArgs } from "node:util";
import { createRealHost } from "../../lib/sys/mod.ts";
import { snapshotDirName } from "../../lib/types/mod.ts";
import { createVolumeDir, drivePaths, reflinkCopyTree, unmountDrive } from "../../lib/xfs/mod.ts";
import { LoopLab, sh } from "../privileged/_lab.ts";
import { benchDrive } from "./xfs_drive.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mib: { type: "string" }, files: { type: "string" } },
});
const MIB = 1024 ** 2;
const mib = Number(values.mib ?? "1024");
const files = Number(values.files ?? "16");

await using lab = await LoopLab.create();
const host = createRealHost({ appDir: `${lab.dir}/app` });
const { loop, fsuuid, superblock } = await benchDrive(lab, host, 3 * mib * MIB + 1024 * MIB);
const { mountPoint } = drivePaths(host, fsuuid);

/** Bytes in use on the drive's filesystem. */
async function used(): Promise<number> {
  const usage = await host.fs.usage(mountPoint);
  return usage.totalBytes - usage.availableBytes;
}

/** Seconds and drive bytes one copy takes. */
async function timed(what: string, copy: () => Promise<unknown>): Promise<void> {
  await sh("sync");
  const [bytesBefore, started] = [await used(), performance.now()];
  await copy();
  const seconds = (performance.now() - started) / 1000;
  await sh("sync");
  const grown = (await used()) - bytesBefore;
  console.log(
    `${what.padEnd(34)} ${seconds.toFixed(3).padStart(8)} s   drive space used ` +
      `${(grown / MIB).toFixed(1).padStart(8)} MiB`,
  );
}

try {
  const src = await createVolumeDir(host, fsuuid, "pvc-src");
  const perFile = Math.max(1, Math.floor(mib / files));
  for (let i = 0; i < files; i++) {
    await sh(
      "dd",
      "if=/dev/urandom",
      `of=${src}/data-${i}.bin`,
      "bs=1M",
      `count=${perFile}`,
      "status=none",
    );
  }
  console.log(
    `volume: ${files} files of ${perFile} MiB (${files * perFile} MiB) on XFS reflink=` +
      `${superblock.reflink ? 1 : 0}, loop device ${loop}`,
  );
  // The copies the node server makes (driver/reconcile/reflink_ops.ts), at the same paths.
  const snapshot = `${mountPoint}/${snapshotDirName("snap-1")}`;
  await host.fs.mkdir(`${mountPoint}/${snapshotDirName("")}`, { recursive: true });
  await timed(
    "clone (volume -> volume)",
    () => reflinkCopyTree(host, src, `${mountPoint}/pvc-clone`),
  );
  await timed(
    "snapshot (volume -> snapshot)",
    () => reflinkCopyTree(host, src, snapshot, { mode: 0o555 }),
  );
  await timed(
    "restore (snapshot -> volume)",
    () => reflinkCopyTree(host, snapshot, `${mountPoint}/pvc-restore`),
  );
  await timed(
    "full copy (cp --reflink=never)",
    () => sh("cp", "-a", "--reflink=never", src, `${mountPoint}/pvc-full`),
  );
} finally {
  await unmountDrive(host, fsuuid);
}
