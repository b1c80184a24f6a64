import assert from "node:assert/strict";
import { type DirectPVNode, UNRECOGNISED_DATA } from "../types/mod.ts";
import {
  type InitConfig,
  isSelected,
  readInitConfig,
  selectedDevices,
  toInitConfig,
  writeInitConfig,
} from "./mod.ts";
import { INIT_CONFIG_HEADER } from "./write.ts";
import { isForced } from "./init_config.ts";

function node(name: string, devices: DirectPVNode["status"]["devices"]): DirectPVNode {
  return { metadata: { name }, spec: {}, status: { devices } };
}

const NODES: DirectPVNode[] = [
  node("node2", [
    { name: "sdc", id: "8:32$c", majorMinor: "8:32", size: 100, deniedReason: "Too small" },
  ]),
  node("node1", [
    { name: "vdb", id: "252:16$v", majorMinor: "252:16", size: 536870912 },
    {
      name: "sdb",
      id: "8:16$s",
      majorMinor: "8:16",
      size: 1073741824,
      make: "ATA QEMU HARDDISK",
      fsType: "xfs",
      fsuuid: "0b8c3d8e-7a55-4b2f-9d3e-0f6f3b2d9a11",
    },
    { name: "sda", id: "8:0$a", majorMinor: "8:0", size: 1e10, deniedReason: "Mounted" },
  ]),
];

const CONFIG: InitConfig = {
  version: "v1",
  nodes: [
    {
      name: "node1",
      drives: [
        {
          id: "8:16$s",
          name: "sdb",
          size: 1073741824,
          make: "ATA QEMU HARDDISK",
          fs: "xfs",
          select: "yes",
        },
        { id: "252:16$v", name: "vdb", size: 536870912, make: "", select: "yes" },
      ],
    },
    { name: "node2" },
  ],
};

Deno.test("toInitConfig() lists available devices, sorted, selected", () => {
  assert.deepEqual(toInitConfig(NODES), CONFIG);
});

Deno.test("toInitConfig() leaves drives holding unknown data unselected, marked force no", () => {
  const config = toInitConfig([
    node("node1", [
      { name: "sdb", id: "8:16$b", majorMinor: "8:16", size: 1, unknownData: UNRECOGNISED_DATA },
      { name: "sdc", id: "8:32$c", majorMinor: "8:32", size: 1, partTableType: "gpt" },
      { name: "sdd", id: "8:48$d", majorMinor: "8:48", size: 1, fsType: "ntfs" },
    ]),
  ]);
  assert.deepEqual(config.nodes[0]?.drives, [
    { id: "8:16$b", name: "sdb", size: 1, make: "", select: "no", force: "no" },
    { id: "8:32$c", name: "sdc", size: 1, make: "", fs: "gpt", select: "yes" },
    { id: "8:48$d", name: "sdd", size: 1, make: "", fs: "ntfs", select: "yes" },
  ]);
  const text = writeInitConfig(config);
  assert.match(text, /force: "no" # holds data of no known format; "yes" here and in select/);
  assert.match(text, /fs: gpt # existing content; init erases it/);
  assert.deepEqual(readInitConfig(text), config);
});

Deno.test("toInitConfig() of no nodes has no nodes", () => {
  assert.deepEqual(toInitConfig([]), { version: "v1", nodes: [] });
});

Deno.test("writeInitConfig() writes DirectPV's layout with quoted select values", () => {
  const text = writeInitConfig(CONFIG);
  const body = text.slice(text.indexOf("version:"));
  assert.equal(
    body,
    [
      "version: v1",
      "nodes:",
      "    - name: node1",
      "      drives:",
      "          - id: 8:16$s",
      "            name: sdb",
      "            size: 1073741824",
      "            make: ATA QEMU HARDDISK",
      "            fs: xfs # existing content; init erases it",
      '            select: "yes"',
      "          - id: 252:16$v",
      "            name: vdb",
      "            size: 536870912",
      '            make: ""',
      '            select: "yes"',
      "    - name: node2",
      "",
    ].join("\n"),
  );
});

Deno.test("writeInitConfig() starts with comments explaining select and warning of erasure", () => {
  const text = writeInitConfig(CONFIG);
  const header = text.slice(0, text.indexOf("version:"));
  for (const line of header.trim().split("\n")) {
    assert.ok(line === "" || line.startsWith("#"), `not a comment: ${line}`);
  }
  assert.match(header, /`select` is "yes"/);
  assert.match(header, /`force: "no"` holds data of no known format/);
  assert.match(header, /PERMANENTLY ERASES ALL DATA/);
  assert.ok(INIT_CONFIG_HEADER.includes("init"));
});

Deno.test("writeInitConfig() omits nodes when there are none", () => {
  const text = writeInitConfig({ version: "v1", nodes: [] });
  assert.ok(text.endsWith("\nversion: v1\n"));
});

Deno.test("writeInitConfig() output reads back to the same config", () => {
  assert.deepEqual(readInitConfig(writeInitConfig(CONFIG)), CONFIG);
  const odd: InitConfig = {
    version: "v1",
    nodes: [{
      name: "123",
      drives: [{ id: "8:0$a+b=", name: "true", size: 0, make: "# not a comment", select: "NO" }],
    }],
  };
  assert.deepEqual(readInitConfig(writeInitConfig(odd)), odd);
});

Deno.test("isSelected() compares select lower-cased with yes", async (t) => {
  const cases: Array<[string | undefined, boolean]> = [
    ["yes", true],
    ["YES", true],
    ["Yes", true],
    ["no", false],
    ["y", false],
    ["true", false],
    ["", false],
    [undefined, false],
  ];
  for (const [select, want] of cases) {
    await t.step(String(select), () => {
      const drive = { id: "x", name: "sdb", size: 1, make: "" };
      assert.equal(isSelected(select === undefined ? drive : { ...drive, select }), want);
    });
  }
});

Deno.test("isForced() compares force lower-cased with yes", () => {
  const drive = { id: "x", name: "sdb", size: 1, make: "" };
  assert.ok(isForced({ ...drive, force: "YES" }));
  assert.ok(!isForced({ ...drive, force: "no" }));
  assert.ok(!isForced(drive));
});

Deno.test("selectedDevices() returns selected drives per node with force when fs is set", () => {
  const config: InitConfig = {
    version: "v1",
    nodes: [
      {
        name: "node1",
        drives: [
          { id: "8:16$s", name: "sdb", size: 1, make: "", fs: "ext4", select: "Yes" },
          { id: "8:32$t", name: "sdc", size: 1, make: "", select: "yes" },
          { id: "8:48$u", name: "sdd", size: 1, make: "", select: "no" },
          { id: "8:64$w", name: "sde", size: 1, make: "" },
          { id: "8:80$x", name: "sdf", size: 1, make: "", select: "yes", force: "Yes" },
          { id: "8:96$y", name: "sdg", size: 1, make: "", select: "yes", force: "no" },
        ],
      },
      { name: "node2", drives: [{ id: "8:0$z", name: "sda", size: 1, make: "", select: "no" }] },
      { name: "node3" },
    ],
  };
  assert.deepEqual(selectedDevices(config), [
    {
      node: "node1",
      devices: [
        { id: "8:16$s", name: "sdb", force: true },
        { id: "8:32$t", name: "sdc", force: false },
        { id: "8:80$x", name: "sdf", force: true },
        { id: "8:96$y", name: "sdg", force: false },
      ],
    },
  ]);
});
