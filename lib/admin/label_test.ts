import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { isQualifiedName, labelDrives, labelVolumes, parseLabelArgs } from "./label.ts";
import { makeDrive, makeVolume, recordingReporter } from "./testing.ts";
import { NoMatchingResourcesError } from "./types.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

Deno.test("parseLabelArgs() prefixes keys and tells set from remove", () => {
  assert.deepEqual(parseLabelArgs(["tier=hot", "old-", "directpv.min.io/app=z1"]), [
    { key: "directpv.min.io/tier", value: "hot" },
    { key: "directpv.min.io/old" },
    { key: "directpv.min.io/app", value: "z1" },
  ]);
});

Deno.test("parseLabelArgs() rejects bad arguments", async (t) => {
  const cases: Array<[string, string[], RegExp]> = [
    ["no labels", [], /At least one label must be provided/],
    ["a key without = or -", ["tier"], /must end with '-' to remove label/],
    ["two = signs", ["a=b=c"], /must be formatted k=v or k-/],
    ["an empty key", ["=v"], /must be formatted k=v or k-/],
    ["an invalid key", ["bad key=v"], /Invalid label key/],
    ["an invalid value", ["tier=not valid"], /Invalid label value/],
    ["a reserved key to set", ["node=x"], /Cannot use reserved key "directpv.min.io\/node"/],
    [
      "a reserved key to remove",
      ["suspend-"],
      /Cannot remove reserved key "directpv.min.io\/suspend"/,
    ],
    [
      "a volume-claim-id key",
      ["volume-claim-id-123=true"],
      /Cannot use reserved key "directpv.min.io\/volume-claim-id-123"/,
    ],
  ];
  for (const [name, args, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => parseLabelArgs(args),
        (e) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    });
  }
});

Deno.test("isQualifiedName() accepts prefix/name keys only", () => {
  assert.ok(isQualifiedName("directpv.min.io/tier"));
  assert.ok(isQualifiedName("tier"));
  assert.ok(!(isQualifiedName("Bad_Prefix/x")));
  assert.ok(!(isQualifiedName("directpv.min.io/")));
  assert.ok(!(isQualifiedName(`p/${"a".repeat(64)}`)));
});

Deno.test("labelDrives() sets and removes labels and logs each change", async () => {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: A, node: "node1", name: "sdb", labels: { "directpv.min.io/old": "x" } }),
  );
  const reporter = recordingReporter();
  await labelDrives(kube, {
    query: {},
    changes: parseLabelArgs(["tier=hot", "old-"]),
    reporter,
  });
  const labels = (await kube.drives.get(A)).metadata.labels ?? {};
  assert.equal(labels["directpv.min.io/tier"], "hot");
  assert.equal(labels["directpv.min.io/old"], undefined);
  assert.deepEqual(reporter.infos, [
    "Label 'directpv.min.io/tier:hot' successfully set on node1/sdb",
    "Label 'directpv.min.io/old' successfully removed from node1/sdb",
  ]);
});

Deno.test("labelVolumes() labels the selected volumes; dry run writes nothing", async () => {
  const kube = new FakeKube();
  kube.seed(makeVolume({ name: "pvc-1", driveId: A, node: "node1", driveName: "sdb" }));
  const changes = parseLabelArgs(["app=minio"]);
  const dry = await labelVolumes(kube, {
    query: { volumeNames: ["pvc-1"] },
    changes,
    dryRun: true,
  });
  assert.equal(dry.length, 1);
  assert.equal(
    (await kube.volumes.get("pvc-1")).metadata.labels?.["directpv.min.io/app"],
    undefined,
  );
  await labelVolumes(kube, { query: { volumeNames: ["pvc-1"] }, changes });
  assert.equal((await kube.volumes.get("pvc-1")).metadata.labels?.["directpv.min.io/app"], "minio");
});

Deno.test("labelDrives() with nothing matching throws NoMatchingResourcesError", async () => {
  await assert.rejects(
    labelDrives(new FakeKube(), { query: {}, changes: parseLabelArgs(["a=b"]) }),
    NoMatchingResourcesError,
  );
});
