/**
 * Drives that hold data, on the local control plane with the real CLI and our node server and
 * node controller as host processes (`--allow-loop-devices`, `--loop-backing-dir` = this
 * scenario's own directory). Loop drives are written with NTFS, exFAT, F2FS, a bcache backing
 * device, an md RAID member, ZFS labels, LUKS2, random data (a plain dm-crypt volume) and
 * contradicting signatures. `discover` lists each with its type (random data as unrecognised,
 * not selected); `init` of a hand-written drives.yaml selecting them all, unforced, fails for
 * each with a message naming the device and what it holds and formats nothing; a drive written
 * to after discovery is refused as changed; `force: "yes"` (and `fs`) then let init erase two.
 *
 * It brings up its own environment (control plane, one node, no CSI controller) in a temp dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type InitConfig, readInitConfig, writeInitConfig } from "../../lib/init_config/mod.ts";
import { type DirectPVDrive, UNRECOGNISED_DATA } from "../../lib/types/mod.ts";
import { testGate } from "../lib/mod.ts";
import type { LoopDrive } from "../loop/mod.ts";
import { formatChecksum } from "../privileged/content_lab.ts";
import { FORMATS, writeAt } from "../privileged/formats.ts";
import { cli, startEnv, stopEnv } from "../sandbox/env.ts";

/** The formats written, and the start of what init must say each holds. */
const HELD: Record<string, string> = {
  ntfs: 'it holds "ntfs"',
  exfat: 'it holds "exfat"',
  f2fs: 'it holds "f2fs"',
  bcache: 'it holds "bcache"',
  md: 'it holds "linux_raid_member"',
  zfs: 'it holds "zfs_member"',
  luks2: 'it holds "crypto_LUKS"',
  random: `it holds ${UNRECOGNISED_DATA}`,
  ambivalent: "it holds several signatures (",
};
const WRITTEN = FORMATS.filter((f) => f.name in HELD);
const NODE = "content-node";

const gate = await testGate("content scenario", {
  root: true,
  commands: [
    "losetup",
    "mkfs.xfs",
    "mount",
    "umount",
    "openssl",
    ...WRITTEN.flatMap((f) => f.commands),
  ],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager"],
});

function loopName(drive: LoopDrive): string {
  return drive.device.split("/").pop() ?? drive.device;
}

/** The table row of a drive (`│ <node> │ loopN │ ...`). */
function rowOf(table: string, device: string): string {
  const row = table.split("\n").find((l) => new RegExp(`│ ${device} +│`).test(l));
  assert.ok(row, `a row for ${device} in:\n${table}`);
  return row;
}

/** A drives.yaml selecting `names` by hand: no `fs`, no `force`, as an administrator writes. */
function handWritten(config: InitConfig, names: readonly string[]): InitConfig {
  return {
    version: "v1",
    nodes: config.nodes.map((n) => ({
      name: n.name,
      drives: (n.drives ?? []).filter((d) => names.includes(d.name)).map((d) => ({
        id: d.id,
        name: d.name,
        size: d.size,
        make: d.make,
        select: "yes",
      })),
    })),
  };
}

Deno.test({
  name: "content: drives holding data are listed with their type and never formatted unforced",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-content-" });
    try {
      const specs = [...WRITTEN.map((f) => f.name), "zero", "late"].map((name) => ({
        name,
        size: "512MiB",
      }));
      const { env, kube } = await startEnv({
        dir,
        nodes: [{ name: NODE, drives: specs }],
        controller: false,
      });
      const drives = new Map((env.nodes[0]?.drives ?? []).map((d) => [d.name, d]));
      const device = (name: string) => loopName(drives.get(name) as LoopDrive);
      const scratch = join(dir, "scratch");
      await Deno.mkdir(scratch);
      for (const f of WRITTEN) await f.write((drives.get(f.name) as LoopDrive).device, scratch);
      const run = (...args: string[]) => cli(env, args, { allowFailure: true });
      const drivesYaml = join(dir, "drives.yaml");
      let discovered: InitConfig = { version: "v1", nodes: [] };

      await t.step("discover lists each drive with what it holds", async () => {
        const out = await run("discover", "--nodes", NODE, "--output-file", drivesYaml);
        assert.equal(out.code, 0, out.stderr);
        for (const [name, held] of Object.entries(HELD)) {
          const type = /"([^"]+)"/.exec(held)?.[1];
          const row = rowOf(out.stdout, device(name));
          if (type) assert.match(row, new RegExp(`│ ${type} +│`), `${name}: ${row}`);
          else assert.match(row, /│ YES +│ Holds .*; not selected/, `${name}: ${row}`);
        }
        assert.match(rowOf(out.stdout, device("zero")), /│ - +│ - +│ YES +│ - +│/);
        assert.match(out.stderr, /Not selected, as they hold data of no known format: /);
        discovered = readInitConfig(await Deno.readTextFile(drivesYaml));
        const entries = discovered.nodes[0]?.drives ?? [];
        const random = entries.find((d) => d.name === device("random"));
        assert.deepEqual([random?.select, random?.force], ["no", "no"]);
        assert.equal(entries.find((d) => d.name === device("ntfs"))?.fs, "ntfs");
      });

      const sums = new Map<string, string>();
      for (const name of drives.keys()) {
        sums.set(name, await formatChecksum(drives.get(name)?.device ?? ""));
      }

      await t.step(
        "init of them all, selected by hand, fails for each and formats nothing",
        async () => {
          await writeAt(
            (drives.get("late") as LoopDrive).device,
            0,
            new Uint8Array(4096).fill(0xee),
          );
          sums.set("late", await formatChecksum((drives.get("late") as LoopDrive).device));
          const names = [...Object.keys(HELD), "late"].map(device);
          await Deno.writeTextFile(drivesYaml, writeInitConfig(handWritten(discovered, names)));
          const out = await run("init", drivesYaml, "--dangerous");
          assert.equal(out.code, 1, out.stdout + out.stderr);
          for (const [name, held] of Object.entries(HELD)) {
            const path = `/dev/${device(name)}`;
            const row = rowOf(out.stdout, device(name));
            assert.ok(row.includes(`Failed; Cannot format device "${path}": ${held}`), row);
          }
          assert.ok(
            rowOf(out.stdout, device("late")).includes(
              `Cannot format device "/dev/${device("late")}": device state changed; it now ` +
                `holds ${UNRECOGNISED_DATA}`,
            ),
          );
          assert.match(out.stderr, /Failed to initialize 10 of 10 drive\(s\)/);
          assert.match(out.stderr, /erased only when its entry in the init config has `fs`/);
          assert.deepEqual(await kube.drives.listAll(), [], "no drive was created");
          for (const [name, sum] of sums) {
            assert.equal(
              await formatChecksum(drives.get(name)?.device ?? ""),
              sum,
              `${name} unchanged`,
            );
          }
        },
      );

      await t.step('force: "yes" and fs let init erase exactly those drives', async () => {
        const chosen = [device("random"), device("ntfs")];
        const config: InitConfig = {
          version: "v1",
          nodes: discovered.nodes.map((n) => ({
            name: n.name,
            drives: (n.drives ?? []).map((d) =>
              d.name === device("random")
                ? { ...d, select: "yes", force: "yes" }
                : { ...d, select: chosen.includes(d.name) ? "yes" : "no" }
            ),
          })),
        };
        await Deno.writeTextFile(drivesYaml, writeInitConfig(config));
        const out = await run("init", drivesYaml, "--dangerous");
        assert.equal(out.code, 0, out.stdout + out.stderr);
        const made = (await kube.drives.listAll()) as DirectPVDrive[];
        assert.deepEqual(
          made.map((d) => d.metadata.labels?.["directpv.min.io/drive-name"]).sort(),
          [...chosen].sort(),
        );
        for (const [name, sum] of sums) {
          if (chosen.includes(device(name))) continue;
          assert.equal(
            await formatChecksum(drives.get(name)?.device ?? ""),
            sum,
            `${name} unchanged`,
          );
        }
      });
    } finally {
      assert.deepEqual(await stopEnv(dir), [], "the environment stopped cleanly");
    }
  },
});
