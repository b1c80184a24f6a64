import assert from "node:assert/strict";
import { nodeControllers } from "../../lib/node_init/testing.ts";
import { NOT_FORCED } from "../../lib/types/mod.ts";
import { testCli } from "../testing.ts";
import { FORCE_HINT } from "./init.ts";

const DRIVES_YAML = `version: v1
nodes:
    - name: node1
      drives:
        - id: 8:16$a
          name: sdb
          size: 1073741824
          make: ""
          select: "yes"
        - id: 8:32$b
          name: sdc
          size: 1073741824
          make: ""
          fs: xfs
          select: "yes"
    - name: node2
      drives:
        - id: 8:16$c
          name: sdb
          size: 1073741824
          make: ""
          select: "yes"
`;

const UUIDS = [
  "11111111-0000-4000-8000-000000000000",
  "22222222-0000-4000-8000-000000000000",
  "33333333-0000-4000-8000-000000000000",
];

async function init(options: Parameters<typeof nodeControllers>[1], ...argv: string[]) {
  const cli = testCli({ uuids: UUIDS });
  await cli.files.writeText("/work/drives.yaml", DRIVES_YAML);
  const stop = nodeControllers(cli.kube, options);
  try {
    return { cli, code: await cli.run("init", "drives.yaml", "--dangerous", ...argv) };
  } finally {
    await stop();
  }
}

Deno.test("init formats the selected drives, prints the results and exits 0", async () => {
  const { cli, code } = await init({});
  assert.equal(code, 0, cli.stderr());
  assert.equal(
    cli.stdout(),
    [
      "┌──────────────────────────────────────┬───────┬───────┬─────────┐",
      "│ REQUEST_ID                           │ NODE  │ DRIVE │ MESSAGE │",
      "├──────────────────────────────────────┼───────┼───────┼─────────┤",
      "│ 22222222-0000-4000-8000-000000000000 │ node1 │ sdb   │ Success │",
      "│ 22222222-0000-4000-8000-000000000000 │ node1 │ sdc   │ Success │",
      "│ 33333333-0000-4000-8000-000000000000 │ node2 │ sdb   │ Success │",
      "└──────────────────────────────────────┴───────┴───────┴─────────┘",
      "",
    ].join("\n"),
  );
  assert.match(
    cli.stderr(),
    /Processed initialization request '22222222-0000-4000-8000-000000000000' for node 'node1' ✔/,
  );
  assert.deepEqual(await cli.kube.initRequests.listAll(), []);
});

Deno.test("init exits 1 when a drive fails, listing failures first", async () => {
  const { cli, code } = await init({ failures: { sdc: "Device busy" } });
  assert.equal(code, 1);
  const rows = cli.stdout().split("\n").filter((l) => l.startsWith("│ 2") || l.startsWith("│ 3"));
  assert.match(rows[0] ?? "", /│ node1 │ sdc +│ Failed; Device busy │/);
  assert.match(cli.stderr(), /ERROR Failed to initialize 1 of 3 drive\(s\)/);
  assert.deepEqual(await cli.kube.initRequests.listAll(), []);
});

Deno.test("init explains forcing when the node refuses a drive that holds data", async () => {
  const refusal = 'Cannot format device "/dev/sdb": it holds "ntfs" (UUID "0A1B"), ' + NOT_FORCED;
  const { cli, code } = await init({ failures: { sdb: refusal } });
  assert.equal(code, 1);
  assert.match(
    cli.stdout(),
    /│ node1 │ sdb +│ Failed; Cannot format device "\/dev\/sdb": it holds "ntfs"/,
  );
  assert.ok(cli.stderr().includes(FORCE_HINT), cli.stderr());
});

Deno.test("init exits 1 on timeout and still deletes its requests", async () => {
  const { cli, code } = await init({ ignoreNodes: ["node2"] }, "--timeout", "300ms");
  assert.equal(code, 1);
  assert.match(cli.stdout(), /│ node2 │ sdb +│ Timed out; the node did not answer │/);
  assert.deepEqual(await cli.kube.initRequests.listAll(), []);
});

Deno.test("init with an unreadable or invalid file exits 1", async () => {
  const cli = testCli();
  assert.equal(await cli.run("init", "missing.yaml", "--dangerous"), 1);
  assert.match(cli.stderr(), /Unable to read the input file "missing.yaml"/);
  await cli.files.writeText("/work/bad.yaml", "version: v2\nnodes: []\n");
  assert.equal(await cli.run("init", "bad.yaml", "--dangerous"), 1);
  assert.match(cli.stderr(), /bad.yaml/);
});
