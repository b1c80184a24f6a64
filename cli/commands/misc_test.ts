import assert from "node:assert/strict";
import { makeCrd, makeCsiNode, makeDrive, makeVolume } from "../../lib/admin/testing.ts";
import { GROUP, RESOURCES } from "../../lib/types/mod.ts";
import { testCli } from "../testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const GI = 2 ** 30;

Deno.test("info prints the node table and the summary", async () => {
  const cli = testCli();
  cli.kube.seed(
    makeCrd(RESOURCES.drive, GROUP),
    makeCrd(RESOURCES.volume, GROUP),
    makeCsiNode("node1"),
    makeCsiNode("node2"),
    makeDrive({ id: A, node: "node1", name: "sdb", size: 10 * GI }),
    makeVolume({
      name: "pvc-1",
      driveId: A,
      node: "node1",
      driveName: "sdb",
      size: GI,
      targetPath: "/t",
    }),
  );
  assert.equal(await cli.run("info"), 0, cli.stderr());
  assert.equal(
    cli.stdout(),
    [
      "┌─────────┬──────────┬───────────┬─────────┬────────┐",
      "│ NODE    │ CAPACITY │ ALLOCATED │ VOLUMES │ DRIVES │",
      "├─────────┼──────────┼───────────┼─────────┼────────┤",
      "│ • node1 │ 10 GiB   │ 1.0 GiB   │ 1       │ 1      │",
      "│ • node2 │ -        │ -         │ -       │ -      │",
      "└─────────┴──────────┴───────────┴─────────┴────────┘",
      "",
      "1.0 GiB/10 GiB used, 1 volumes, 1 drives",
      "",
    ].join("\n"),
  );
});

Deno.test("info --quiet answers with the exit code only", async () => {
  const cli = testCli();
  assert.equal(await cli.run("--quiet", "info"), 1);
  assert.equal(cli.stdout() + cli.stderr(), "");
});

Deno.test("cordon refuses a drive with pending volumes and exits 1", async () => {
  const cli = testCli();
  cli.kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb", status: "Pending" }),
  );
  assert.equal(await cli.run("cordon", A), 1);
  assert.equal(cli.stderr(), `ERROR Unable to cordon drive "${A}"; pending volumes found\n`);
});

Deno.test("label, suspend and resume log what they changed", async () => {
  const cli = testCli();
  cli.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  assert.equal(await cli.run("label", "drives", "tier=hot", "--all"), 0);
  assert.equal(await cli.run("suspend", "drives", A, "--dangerous"), 0);
  assert.equal(await cli.run("resume", "drives", A), 0);
  assert.equal(
    cli.stderr(),
    "Label 'directpv.min.io/tier:hot' successfully set on node1/sdb\nDrive node1/sdb suspended\nDrive node1/sdb resumed\n",
  );
});

Deno.test("completion prints bash, zsh and fish scripts covering the tree", async (t) => {
  for (const shell of ["bash", "zsh", "fish"]) {
    await t.step(shell, async () => {
      const cli = testCli();
      assert.equal(await cli.run("completion", shell), 0);
      const script = cli.stdout();
      for (
        const word of ["install", "discover", "drives", "volumes", "dangerous", "kubectl-directpv"]
      ) {
        assert.ok(script.includes(word), `${shell} script lacks ${word}`);
      }
    });
  }
  const bash = testCli();
  await bash.run("completion", "bash");
  assert.match(bash.stdout(), /"list\|dr"\) echo "list drives"/);
  assert.match(bash.stdout(), /complete -o default -F _directpv directpv kubectl-directpv/);
});
