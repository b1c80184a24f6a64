import assert from "node:assert/strict";
import { makeCsiNode } from "../../lib/admin/testing.ts";
import { nodeControllers } from "../../lib/node_init/testing.ts";
import { readInitConfig } from "../../lib/init_config/mod.ts";
import { type NodeDevice, UNRECOGNISED_DATA } from "../../lib/types/mod.ts";
import { testCli } from "../testing.ts";

const GI = 2 ** 30;
const DEVICES: Record<string, NodeDevice[]> = {
  node1: [
    {
      name: "sdc",
      id: "8:32$Y2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6",
      majorMinor: "8:32",
      size: 2 * GI,
      fsType: "xfs",
    },
    {
      name: "sdb",
      id: "8:16$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4",
      majorMinor: "8:16",
      size: GI,
      make: "QEMU",
    },
  ],
  node2: [{
    name: "sda",
    id: "8:0$cm9vdA==",
    majorMinor: "8:0",
    size: 8 * GI,
    deniedReason: "Mounted",
  }],
};

async function discovered(...argv: string[]) {
  const cli = testCli();
  cli.kube.seed(makeCsiNode("node1"), makeCsiNode("node2"));
  const stop = nodeControllers(cli.kube, { devices: DEVICES });
  try {
    const code = await cli.run("discover", "--timeout", "5s", ...argv);
    return { cli, code };
  } finally {
    await stop();
  }
}

Deno.test("discover shows available drives sorted by node and drive and writes drives.yaml", async () => {
  const { cli, code } = await discovered();
  assert.equal(code, 0, cli.stderr());
  assert.equal(
    cli.stdout(),
    [
      "┌─────────────────────┬───────┬───────┬─────────┬────────────┬──────┬───────────┬─────────────┐",
      "│ ID                  │ NODE  │ DRIVE │ SIZE    │ FILESYSTEM │ MAKE │ AVAILABLE │ DESCRIPTION │",
      "├─────────────────────┼───────┼───────┼─────────┼────────────┼──────┼───────────┼─────────────┤",
      "│ 8:16$YWJjZGVmZ2h... │ node1 │ sdb   │ 1.0 GiB │ -          │ QEMU │ YES       │ -           │",
      "│ 8:32$Y2RlZmdoaWp... │ node1 │ sdc   │ 2.0 GiB │ xfs        │ -    │ YES       │ -           │",
      "└─────────────────────┴───────┴───────┴─────────┴────────────┴──────┴───────────┴─────────────┘",
      "",
    ].join("\n"),
  );
  assert.match(cli.stderr(), /Discovered node 'node1' ✔/);
  assert.match(cli.stderr(), /Generated 'drives.yaml' successfully.\n$/);
  const file = cli.files.files.get("/work/drives.yaml");
  assert.equal(file?.mode, 0o644);
  const config = readInitConfig(file?.text ?? "");
  assert.deepEqual(config.nodes.map((n) => [n.name, (n.drives ?? []).map((d) => d.name)]), [
    ["node1", ["sdb", "sdc"]],
    ["node2", []],
  ]);
});

Deno.test("discover shows what drives hold and leaves those of unknown data unselected", async () => {
  const cli = testCli();
  cli.kube.seed(makeCsiNode("node1"));
  const devices: Record<string, NodeDevice[]> = {
    node1: [
      { name: "sdb", id: "8:16$b", majorMinor: "8:16", size: GI, fsType: "ntfs" },
      { name: "sdc", id: "8:32$c", majorMinor: "8:32", size: GI, partTableType: "gpt" },
      { name: "sdd", id: "8:48$d", majorMinor: "8:48", size: GI, unknownData: UNRECOGNISED_DATA },
    ],
  };
  const stop = nodeControllers(cli.kube, { devices });
  try {
    assert.equal(await cli.run("discover", "--timeout", "5s"), 0, cli.stderr());
  } finally {
    await stop();
  }
  const out = cli.stdout();
  assert.match(out, /│ sdb +│ 1\.0 GiB │ ntfs +│ - +│ YES +│ - +│/);
  assert.match(out, /│ sdc +│ 1\.0 GiB │ gpt +│ - +│ YES +│ - +│/);
  assert.match(
    out,
    /│ sdd +│ 1\.0 GiB │ - +│ - +│ YES +│ Holds unrecognised data \(no known signature, and the first or last MiB is not all zero\); not selected │/,
  );
  assert.match(
    cli.stderr(),
    /Not selected, as they hold data of no known format: 'node1\/sdd'\. To erase one, set both its select and its force to "yes" in the init config/,
  );
  const config = readInitConfig(cli.files.files.get("/work/drives.yaml")?.text ?? "");
  assert.deepEqual(
    config.nodes[0]?.drives?.map((d) => [d.name, d.fs, d.select, d.force]),
    [["sdb", "ntfs", "yes", undefined], ["sdc", "gpt", "yes", undefined], [
      "sdd",
      undefined,
      "no",
      "no",
    ]],
  );
});

Deno.test("discover --all also shows unavailable drives; --drives filters; --output-file", async () => {
  const { cli, code } = await discovered("--all", "-d", "sda,sdb", "--output-file", "/tmp/x.yaml");
  assert.equal(code, 0, cli.stderr());
  assert.match(cli.stdout(), /│ node2 │ sda +│ 8.0 GiB │ - +│ - +│ NO +│ Mounted +│/);
  assert.doesNotMatch(cli.stdout(), /sdc/);
  assert.ok(cli.files.files.has("/tmp/x.yaml"));
});

Deno.test("discover with no available drive exits 1", async () => {
  const { cli, code } = await discovered("-n", "node2");
  assert.equal(code, 1);
  assert.match(cli.stderr(), /No drives are available to initialize/);
  assert.equal(cli.files.files.size, 0);
});

Deno.test("discover exits 1 when drives.yaml cannot be written", async () => {
  const cli = testCli();
  cli.kube.seed(makeCsiNode("node1"));
  cli.files.writeText = () => Promise.reject(new Error("Permission denied"));
  const stop = nodeControllers(cli.kube, { devices: DEVICES });
  try {
    assert.equal(await cli.run("discover"), 1);
  } finally {
    await stop();
  }
  assert.match(cli.stderr(), /ERROR Permission denied/);
});
