// Unit tests of the loop records and the drives.yaml check: no Docker, no commands.
import assert from "node:assert/strict";
import { checkInitConfig, type LoopRecord, parseLoopRecords } from "./drives.ts";
import { type InitConfig, readInitConfig } from "../../lib/init_config/mod.ts";

const TSV = [
  "# node\tdevice\tmajor:minor\tfile\tinode\tbacking major:minor",
  "directpv-worker\t/dev/loop3\t7:3\t/var/lib/directpv-kind/directpv-worker/disk-1.img\t1201\t0:52",
  "directpv-worker\t/dev/loop4\t7:4\t/var/lib/directpv-kind/directpv-worker/disk-2.img\t1202\t0:52",
  "",
  "directpv-worker2\t/dev/loop5\t7:5\t/var/lib/directpv-kind/directpv-worker2/disk-1.img\t88\t0:53",
].join("\n");

function drive(name: string, majorMinor: string, select = "yes") {
  return { id: `${majorMinor}$abc=`, name, size: 1073741824, make: "", select };
}

function config(nodes: InitConfig["nodes"]): InitConfig {
  return { version: "v1", nodes };
}

Deno.test("parseLoopRecords() reads tab-separated records and skips comments", () => {
  const records = parseLoopRecords(TSV);
  assert.equal(records.length, 3);
  assert.deepEqual(records[0], {
    node: "directpv-worker",
    device: "/dev/loop3",
    majorMinor: "7:3",
    file: "/var/lib/directpv-kind/directpv-worker/disk-1.img",
    backingInode: "1201",
    backingMajorMinor: "0:52",
  });
});

Deno.test("parseLoopRecords() names the line of a malformed record", async (t) => {
  const cases: [string, string][] = [
    ["too few fields", "node\t/dev/loop0\t7:0\n"],
    ["empty field", "\n\nnode\t/dev/loop0\t7:0\t/f\t\t0:1"],
  ];
  for (const [name, text] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseLoopRecords(text), SyntaxError);
    });
  }
  assert.throws(() => parseLoopRecords("a\tb"), /line 1: expected 6 fields/);
});

Deno.test("checkInitConfig() accepts a config that selects exactly the recorded loops", () => {
  const records = parseLoopRecords(TSV);
  const result = checkInitConfig(
    config([
      { name: "directpv-worker", drives: [drive("loop3", "7:3"), drive("loop4", "7:4")] },
      { name: "directpv-worker2", drives: [drive("loop5", "7:5")] },
    ]),
    records,
  );
  assert.deepEqual(result, { foreign: [], missing: [] });
});

Deno.test("checkInitConfig() reports selected drives that are not ours", async (t) => {
  const records: LoopRecord[] = parseLoopRecords(TSV);
  const cases: [string, InitConfig, string[]][] = [
    ["a host disk", config([{ name: "directpv-worker", drives: [drive("sda", "8:0")] }]), [
      "directpv-worker/sda (8:0$abc=)",
    ]],
    [
      "another worker's loop",
      config([{ name: "directpv-worker", drives: [drive("loop5", "7:5")] }]),
      ["directpv-worker/loop5 (7:5$abc=)"],
    ],
    [
      "a reused name with another device number",
      config([{ name: "directpv-worker", drives: [drive("loop3", "7:30")] }]),
      ["directpv-worker/loop3 (7:30$abc=)"],
    ],
    ["an unknown node", config([{ name: "elsewhere", drives: [drive("loop3", "7:3")] }]), [
      "elsewhere/loop3 (7:3$abc=)",
    ]],
  ];
  for (const [name, cfg, foreign] of cases) {
    await t.step(name, () => assert.deepEqual(checkInitConfig(cfg, records).foreign, foreign));
  }
});

Deno.test("checkInitConfig() ignores unselected drives and lists unselected loops", () => {
  const records = parseLoopRecords(TSV);
  const result = checkInitConfig(
    config([
      { name: "directpv-worker", drives: [drive("loop3", "7:3"), drive("sda", "8:0", "no")] },
      { name: "directpv-worker2" },
    ]),
    records,
  );
  assert.deepEqual(result.foreign, []);
  assert.deepEqual(result.missing, ["directpv-worker/loop4", "directpv-worker2/loop5"]);
});

Deno.test("checkInitConfig() works on a drives.yaml as discover writes it", () => {
  const text = [
    "version: v1",
    "nodes:",
    "    - name: directpv-worker",
    "      drives:",
    "        - id: 7:3$Gq1qeX0rQ2zN0aL7d3v7bHc9m1yqvX1v5m8dGJrLk2s=",
    "          name: loop3",
    "          size: 1073741824",
    '          make: ""',
    '          select: "yes"',
    "",
  ].join("\n");
  const result = checkInitConfig(readInitConfig(text), parseLoopRecords(TSV));
  assert.deepEqual(result.foreign, []);
  assert.deepEqual(result.missing, ["directpv-worker/loop4", "directpv-worker2/loop5"]);
});
