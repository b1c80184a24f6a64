import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { readInitConfig } from "./mod.ts";
import { InitConfigError } from "./read.ts";

const GOOD = `version: v1
nodes:
    - name: node1
      drives:
        - id: 8:16$Gq1qeX0rQ2zN0aL7d3v7bHc9m1yqvX1v5m8dGJrLk2s=
          name: sdb
          size: 1073741824
          make: ATA QEMU HARDDISK
          fs: xfs
          select: "yes"
        - id: 252:16$ud8mwCjPTH8147TysmiQ2GGLpffqUht6bz7NtHqReJo=
          name: vdb
          size: 536870912
          make: ""
          select: "no"
    - name: node2
`;

function assertFails(text: string, line: number, detail: string): void {
  assert.throws(() => readInitConfig(text, { source: "drives.yaml" }), (err: unknown) => {
    assert.ok(err instanceof InitConfigError, `expected InitConfigError, got ${err}`);
    assert.ok(err instanceof InvalidArgumentError);
    assert.equal(err.message, `Cannot read init config "drives.yaml" at line ${line}: ${detail}`);
    assert.equal(err.line, line);
    assert.equal(err.source, "drives.yaml");
    return true;
  });
}

Deno.test("readInitConfig() reads DirectPV's drives.yaml example", () => {
  assert.deepEqual(readInitConfig(GOOD), {
    version: "v1",
    nodes: [
      {
        name: "node1",
        drives: [
          {
            id: "8:16$Gq1qeX0rQ2zN0aL7d3v7bHc9m1yqvX1v5m8dGJrLk2s=",
            name: "sdb",
            size: 1073741824,
            make: "ATA QEMU HARDDISK",
            fs: "xfs",
            select: "yes",
          },
          {
            id: "252:16$ud8mwCjPTH8147TysmiQ2GGLpffqUht6bz7NtHqReJo=",
            name: "vdb",
            size: 536870912,
            make: "",
            select: "no",
          },
        ],
      },
      { name: "node2" },
    ],
  });
});

Deno.test("readInitConfig() accepts a config without nodes and unquoted select values", () => {
  assert.deepEqual(readInitConfig("version: v1\n"), { version: "v1", nodes: [] });
  assert.deepEqual(readInitConfig("version: v1\nnodes:\n"), { version: "v1", nodes: [] });
  const cfg = readInitConfig(
    "version: v1\nnodes:\n- name: n\n  drives:\n  - {id: 8:0$a, name: sda, size: 0, make: m, select: Yes}\n",
  );
  assert.equal(cfg.nodes[0]?.drives?.[0]?.select, "Yes");
});

Deno.test("readInitConfig() treats an empty drives list as no drives", () => {
  const cfg = readInitConfig("version: v1\nnodes:\n  - name: n\n    drives: []\n");
  assert.deepEqual(cfg.nodes, [{ name: "n" }]);
});

Deno.test("readInitConfig() omits the file name when no source is given", () => {
  assert.throws(
    () => readInitConfig("version: v2\n"),
    { message: 'Cannot read init config at line 1: unsupported init config version "v2"' },
  );
});

Deno.test("readInitConfig() rejects an unsupported version", () => {
  assertFails("# drives\nversion: v2\nnodes: []\n", 2, 'unsupported init config version "v2"');
});

Deno.test("readInitConfig() rejects a numeric version", () => {
  assertFails("nodes: []\nversion: 1\n", 2, 'unsupported init config version "1"');
});

Deno.test("readInitConfig() rejects a version that is not a scalar", () => {
  assertFails("version:\n  - v1\n", 2, 'field "version" must be a string');
});

Deno.test("readInitConfig() rejects a missing version", () => {
  assertFails("\nnodes: []\n", 2, 'missing field "version"');
});

Deno.test("readInitConfig() rejects an empty file", () => {
  assertFails("# nothing here\n", 1, "the file is empty");
});

Deno.test("readInitConfig() rejects a document that is not a mapping", () => {
  assertFails("- version: v1\n", 1, 'expected a mapping with "version" and "nodes"');
});

Deno.test("readInitConfig() rejects bad YAML", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n\tdrives: []\n  - name: b\n",
    4,
    "invalid YAML: Tabs are not allowed as indentation",
  );
});

Deno.test("readInitConfig() rejects duplicate keys as bad YAML", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n    name: b\n",
    4,
    "invalid YAML: Map keys must be unique",
  );
});

Deno.test("readInitConfig() rejects several documents", () => {
  assertFails(
    "version: v1\n---\nversion: v1\n",
    2,
    "invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()",
  );
});

Deno.test("readInitConfig() rejects an unknown top-level field", () => {
  assertFails("version: v1\nnode: []\n", 2, 'unknown field "node" in init config');
});

Deno.test("readInitConfig() rejects nodes that are not a list", () => {
  assertFails("version: v1\nnodes:\n  name: a\n", 3, 'field "nodes" must be a list');
});

Deno.test("readInitConfig() rejects a node that is not a mapping", () => {
  assertFails("version: v1\nnodes:\n  - node1\n", 3, "node must be a mapping");
});

Deno.test("readInitConfig() rejects a node without a name", () => {
  assertFails("version: v1\nnodes:\n  - drives: []\n", 3, 'missing field "name"');
});

Deno.test("readInitConfig() rejects an empty node name", () => {
  assertFails('version: v1\nnodes:\n  - name: ""\n', 3, 'field "name" must not be empty');
});

Deno.test("readInitConfig() rejects a node name that is not a string", () => {
  assertFails("version: v1\nnodes:\n  - name: 12\n", 3, 'field "name" must be a string');
});

Deno.test("readInitConfig() rejects an unknown node field", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n    drive: []\n",
    4,
    'unknown field "drive" in node',
  );
});

Deno.test("readInitConfig() rejects duplicate node names", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n  - name: b\n  - name: a\n",
    5,
    'duplicate node name "a"',
  );
});

Deno.test("readInitConfig() rejects drives that are not a list", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n    drives: sdb\n",
    4,
    'field "drives" must be a list',
  );
});

Deno.test("readInitConfig() rejects a drive that is not a mapping", () => {
  assertFails(
    "version: v1\nnodes:\n  - name: a\n    drives:\n      - sdb\n",
    5,
    "drive must be a mapping",
  );
});

Deno.test("readInitConfig() rejects a drive without an id", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - name: sdb\n    size: 1\n    make: m\n",
    5,
    'missing field "id"',
  );
});

Deno.test("readInitConfig() rejects a drive without a size", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    make: m\n",
    5,
    'missing field "size"',
  );
});

Deno.test("readInitConfig() rejects a drive without a make", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1\n",
    5,
    'missing field "make"',
  );
});

Deno.test("readInitConfig() rejects a size that is not a number", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1Gi\n    make: m\n",
    7,
    'field "size" must be a non-negative whole number of bytes',
  );
});

Deno.test("readInitConfig() rejects a negative size", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: -1\n    make: m\n",
    7,
    'field "size" must be a non-negative whole number of bytes',
  );
});

Deno.test("readInitConfig() rejects a fractional size", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1.5\n    make: m\n",
    7,
    'field "size" must be a non-negative whole number of bytes',
  );
});

Deno.test("readInitConfig() rejects a size beyond 2^53", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n" +
      "    size: 18446744073709551615\n    make: m\n",
    7,
    'field "size" is too large',
  );
});

Deno.test("readInitConfig() rejects a select that is not a string", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1\n" +
      "    make: m\n    select: true\n",
    9,
    'field "select" must be a string',
  );
});

Deno.test("readInitConfig() rejects an fs that is a list", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1\n" +
      "    make: m\n    fs:\n      - xfs\n",
    10,
    'field "fs" must be a string',
  );
});

Deno.test("readInitConfig() reads the optional force field and rejects a non-string one", () => {
  const text = GOOD.replace('select: "no"', 'select: "yes"\n          force: "yes"');
  const drive = readInitConfig(text).nodes[0]?.drives?.[1];
  assert.deepEqual(drive, {
    id: "252:16$ud8mwCjPTH8147TysmiQ2GGLpffqUht6bz7NtHqReJo=",
    name: "vdb",
    size: 536870912,
    make: "",
    select: "yes",
    force: "yes",
  });
  assertFails(
    GOOD.replace('select: "no"', "force: true"),
    15,
    'field "force" must be a string',
  );
});

Deno.test("readInitConfig() rejects an unknown drive field", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n  - id: 8:16$x\n    name: sdb\n    size: 1\n" +
      "    make: m\n    selected: yes\n",
    9,
    'unknown field "selected" in drive',
  );
});

Deno.test("readInitConfig() rejects duplicate drive ids on one node", () => {
  assertFails(
    "version: v1\nnodes:\n- name: a\n  drives:\n" +
      "  - {id: '8:16$x', name: sdb, size: 1, make: m}\n" +
      "  - {id: '8:32$y', name: sdc, size: 1, make: m}\n" +
      "  - name: sdd\n    size: 1\n    make: m\n    id: 8:16$x\n",
    10,
    'duplicate drive id "8:16$x" on node "a"',
  );
});

Deno.test("readInitConfig() allows the same drive id on different nodes", () => {
  const cfg = readInitConfig(
    "version: v1\nnodes:\n" +
      "- name: a\n  drives:\n  - {id: '8:16$x', name: sdb, size: 1, make: m}\n" +
      "- name: b\n  drives:\n  - {id: '8:16$x', name: sdb, size: 1, make: m}\n",
  );
  assert.equal(cfg.nodes.length, 2);
});

Deno.test("readInitConfig() rejects node names and drive ids discover never writes", async (t) => {
  const doc = (name: string, id: string) =>
    `version: v1\nnodes:\n- name: ${JSON.stringify(name)}\n  drives:\n` +
    `  - {id: ${JSON.stringify(id)}, name: sdb, size: 1, make: m}\n`;
  const cases: Array<[string, string, RegExp]> = [
    ["a/b", "8:16$x", /invalid node name "a\/b": it must be a Kubernetes node name/],
    ["NODE1", "8:16$x", /invalid node name "NODE1"/],
    ["node1\0", "8:16$x", /invalid node name "node1\\u0000"/],
    ["n".repeat(254), "8:16$x", /invalid node name "n{80}\.\.\."/],
    ["node1", "8:16", /invalid drive id "8:16": it must be <major>:<minor>\$<hash>/],
    ["node1", "../8:16$x", /invalid drive id "\.\.\/8:16\$x"/],
    ["node1", "8:16$x\n", /invalid drive id "8:16\$x\\n"/],
  ];
  for (const [name, id, message] of cases) {
    await t.step(JSON.stringify([name, id]).slice(0, 60), () => {
      assert.throws(() => readInitConfig(doc(name, id)), (err: unknown) => {
        assert.ok(err instanceof InitConfigError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
