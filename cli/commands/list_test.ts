import assert from "node:assert/strict";
import { makeDrive, makePv, makeVolume } from "../../lib/admin/testing.ts";
import { testCli } from "../testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const C = "cccccccc-0000-4000-8000-000000000003";
const GI = 2 ** 30;

function seeded() {
  const cli = testCli();
  cli.kube.seed(
    makeDrive({ id: B, node: "node2", name: "sdb", size: GI }),
    makeDrive({
      id: A,
      node: "node1",
      name: "sdc",
      size: 2 * GI,
      volumes: ["pvc-1"],
      unschedulable: true,
    }),
    makeDrive({ id: C, node: "node1", name: "sdd", status: "Lost" }),
    makeVolume({
      name: "pvc-1",
      driveId: A,
      node: "node1",
      driveName: "sdc",
      pod: { name: "minio-0", namespace: "tenant" },
      targetPath: "/t",
    }),
    makeVolume({ name: "pvc-2", driveId: A, node: "node1", driveName: "sdc", status: "Pending" }),
    makePv("pvc-1", "Bound", "data-minio-0"),
  );
  return cli;
}

Deno.test("list drives shows Ready drives sorted by node", async () => {
  const cli = seeded();
  assert.equal(await cli.run("list", "drives"), 0, cli.stderr());
  assert.equal(
    cli.stdout(),
    [
      "┌──────────────────────────────────────┬───────┬──────┬──────┬─────────┬─────────┬─────────┬──────────────────────────┐",
      "│ DRIVE ID                             │ NODE  │ NAME │ MAKE │ SIZE    │ FREE    │ VOLUMES │ STATUS                   │",
      "├──────────────────────────────────────┼───────┼──────┼──────┼─────────┼─────────┼─────────┼──────────────────────────┤",
      "│ aaaaaaaa-0000-4000-8000-000000000001 │ node1 │ sdc  │ -    │ 2.0 GiB │ 2.0 GiB │ 1       │ Ready,SchedulingDisabled │",
      "│ bbbbbbbb-0000-4000-8000-000000000002 │ node2 │ sdb  │ -    │ 1.0 GiB │ 1.0 GiB │ -       │ Ready                    │",
      "└──────────────────────────────────────┴───────┴──────┴──────┴─────────┴─────────┴─────────┴──────────────────────────┘",
      "",
    ].join("\n"),
  );
});

Deno.test("list drives --status lost --no-headers -n node1", async () => {
  const cli = seeded();
  assert.equal(
    await cli.run("list", "drives", "--status", "lost", "--no-headers", "-n", "node1"),
    0,
  );
  assert.equal(
    cli.stdout(),
    [
      "┌──────────────────────────────────────┬───────┬─────┬───┬────────┬────────┬───┬──────┐",
      "│ cccccccc-0000-4000-8000-000000000003 │ node1 │ sdd │ - │ 10 GiB │ 10 GiB │ - │ Lost │",
      "└──────────────────────────────────────┴───────┴─────┴───┴────────┴────────┴───┴──────┘",
      "",
    ].join("\n"),
  );
});

Deno.test("list drives -o json prints a List sorted like the table", async () => {
  const cli = seeded();
  assert.equal(await cli.run("list", "drives", "--all", "-o", "json"), 0);
  const list = JSON.parse(cli.stdout());
  assert.equal(list.kind, "List");
  assert.deepEqual(list.items.map((d: { metadata: { name: string } }) => d.metadata.name), [
    C,
    A,
    B,
  ]);
});

Deno.test("list volumes --pvc -o wide shows the claim and drive id", async () => {
  const cli = seeded();
  assert.equal(await cli.run("list", "volumes", "--all", "--pvc", "-o", "wide"), 0, cli.stderr());
  const lines = cli.stdout().split("\n");
  assert.match(
    lines[1] ?? "",
    /│ VOLUME │ CAPACITY │ NODE +│ DRIVE │ PODNAME +│ PODNAMESPACE │ STATUS +│ DRIVE ID +│ PVC +│/,
  );
  assert.match(
    lines[3] ?? "",
    /│ pvc-2 +│ 1.0 GiB +│ node1 │ sdc +│ - +│ - +│ Pending +│ aaaaaaaa-\S+ │ - +│/,
  );
  assert.match(
    lines[4] ?? "",
    /│ pvc-1 +│ 1.0 GiB +│ node1 │ sdc +│ minio-0 │ tenant +│ Bounded │ aaaaaaaa-\S+ │ data-minio-0 │/,
  );
});

Deno.test("list volumes -o yaml prints a YAML List", async () => {
  const cli = seeded();
  assert.equal(await cli.run("list", "volumes", "--status", "pending", "-o", "yaml"), 0);
  assert.match(
    cli.stdout(),
    /^kind: List\napiVersion: v1\nitems:\n- apiVersion: directpv.min.io\/v1beta1\n/,
  );
});

Deno.test("list with unknown nodes says no matching resources and exits 1", async () => {
  const cli = seeded();
  assert.equal(await cli.run("list", "drives", "-n", "node9"), 1);
  assert.equal(cli.stderr(), "No matching resources found\n");
  assert.equal(cli.stdout(), "");
});
