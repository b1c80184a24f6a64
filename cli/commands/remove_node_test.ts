import assert from "node:assert/strict";
import { makeDrive, seedLease } from "../../lib/admin/testing.ts";
import { testCli } from "../testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

Deno.test("remove-node asks for --dangerous (exit 2) and names an unknown node (exit 1)", async () => {
  const cli = testCli();
  assert.equal(await cli.run("remove-node", "node1"), 2);
  assert.match(cli.stderr(), /retry this command with --dangerous flag/);
  const unknown = testCli();
  assert.equal(await unknown.run("remove-node", "nodeX", "--dangerous"), 1);
  assert.match(unknown.stderr(), /Node "nodeX" is unknown to DirectPV/);
});

Deno.test("remove-node refuses a live node (exit 1) and removes a dead one", async () => {
  const live = testCli();
  live.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  seedLease(live.kube, "node1", live.ctx.now());
  assert.equal(await live.run("remove-node", "node1", "--dangerous"), 1);
  assert.match(live.stderr(), /Refusing to remove node "node1": its node server is running/);
  assert.equal((await live.kube.drives.listAll()).length, 1, "nothing changed");

  const dead = testCli();
  dead.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  assert.equal(await dead.run("remove-node", "node1", "--dangerous"), 0, dead.stderr());
  assert.match(dead.stderr(), /Node node1 removed: 1 drive\(s\), 0 volume\(s\)/);
  assert.deepEqual(await dead.kube.drives.listAll(), []);
});

Deno.test("remove --force deletes the drive of a dead node; refused while it is alive", async () => {
  const dead = testCli();
  dead.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  assert.equal(await dead.run("remove", A, "--force"), 0, dead.stderr());
  assert.deepEqual(await dead.kube.drives.listAll(), []);
  const live = testCli();
  live.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  seedLease(live.kube, "node1", live.ctx.now());
  assert.equal(await live.run("remove", A, "--force"), 1);
  assert.match(live.stderr(), /Refusing to force-remove drives of live nodes/);
});
