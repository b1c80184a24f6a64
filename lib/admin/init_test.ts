import assert from "node:assert/strict";
import { FailedPreconditionError } from "../errors/mod.ts";
import type { InitConfig } from "../init_config/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { LABELS } from "../types/mod.ts";
import { initDrives, newInitRequest } from "./init.ts";
import { recordingReporter } from "./testing.ts";
import { nodeControllers } from "../node_init/testing.ts";

const CONFIG: InitConfig = {
  version: "v1",
  nodes: [
    {
      name: "node1",
      drives: [
        { id: "8:16$a", name: "sdb", size: 1, make: "", fs: "xfs", select: "yes" },
        { id: "8:32$b", name: "sdc", size: 1, make: "", select: "yes" },
        { id: "8:48$c", name: "sdd", size: 1, make: "", select: "no" },
      ],
    },
    { name: "node2", drives: [{ id: "8:16$d", name: "sdb", size: 1, make: "", select: "YES" }] },
    { name: "node3" },
  ],
};

function uuids(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
}

Deno.test("newInitRequest() labels the request and carries force for drives with a filesystem", () => {
  const request = newInitRequest("name-1", "req-1", {
    node: "node1",
    devices: [{ id: "8:16$a", name: "sdb", force: true }],
  });
  assert.deepEqual(request.metadata.labels, {
    [LABELS.node]: "node1",
    [LABELS.version]: "v1beta1",
    [LABELS.createdBy]: "node-controller",
    [LABELS.requestId]: "req-1",
  });
  assert.deepEqual(request.spec.devices, [{ id: "8:16$a", name: "sdb", force: true }]);
  assert.equal(request.status.status, "Pending");
});

Deno.test("initDrives() creates one request per node, reports each drive and deletes the requests", async () => {
  const kube = new FakeKube();
  const stop = nodeControllers(kube, { failures: { sdc: "Device is busy" } });
  const reporter = recordingReporter();
  try {
    const outcome = await initDrives(kube, {
      config: CONFIG,
      timeoutMs: 5000,
      uuid: uuids(),
      reporter,
    });
    assert.equal(outcome.requestId, "00000000-0000-4000-8000-000000000001");
    assert.deepEqual(outcome.results, [
      {
        request: "00000000-0000-4000-8000-000000000002",
        node: "node1",
        drive: "sdb",
        status: "Success",
      },
      {
        request: "00000000-0000-4000-8000-000000000002",
        node: "node1",
        drive: "sdc",
        status: "Failed",
        error: "Device is busy",
      },
      {
        request: "00000000-0000-4000-8000-000000000003",
        node: "node2",
        drive: "sdb",
        status: "Success",
      },
    ]);
  } finally {
    await stop();
  }
  const created = kube.callsOf("create", "directpvinitrequests").map((c) =>
    c.object as { spec: unknown }
  );
  assert.deepEqual(created.map((o) => o.spec), [
    {
      devices: [{ id: "8:16$a", name: "sdb", force: true }, {
        id: "8:32$b",
        name: "sdc",
        force: false,
      }],
    },
    { devices: [{ id: "8:16$d", name: "sdb", force: false }] },
  ]);
  assert.deepEqual(await kube.initRequests.listAll(), []);
  // The nodes' init step created a drive for each device it formatted.
  const drives = (await kube.drives.listAll()).map((d) =>
    `${d.metadata.labels?.[LABELS.node]}/${d.metadata.labels?.[LABELS.driveName]}`
  );
  assert.deepEqual(drives.sort(), ["node1/sdb", "node2/sdb"]);
  assert.equal(kube.callsOf("deleteCollection", "directpvinitrequests").length, 1);
  assert.deepEqual(reporter.totals, [2]);
  assert.equal(reporter.updates.filter((u) => u.state === "failed").length, 1);
});

Deno.test("initDrives() reports Error requests and timeouts, and still deletes its requests", async () => {
  const kube = new FakeKube();
  // The node answers Error to a request it cannot read: device IDs without a major:minor.
  const [node1, ...others] = CONFIG.nodes;
  const unreadable: InitConfig = {
    ...CONFIG,
    nodes: [
      { name: "node1", drives: node1?.drives?.map((d) => ({ ...d, id: `bad-${d.name}` })) ?? [] },
      ...others,
    ],
  };
  const stop = nodeControllers(kube, { ignoreNodes: ["node2"] });
  try {
    const outcome = await initDrives(kube, { config: unreadable, timeoutMs: 300, uuid: uuids() });
    assert.deepEqual(outcome.results.map((r) => `${r.node}/${r.drive}:${r.status}`), [
      "node1/sdb:Error",
      "node1/sdc:Error",
      "node2/sdb:Timeout",
    ]);
  } finally {
    await stop();
  }
  assert.deepEqual(await kube.initRequests.listAll(), []);
});

Deno.test("initDrives() deletes the requests it created when a create fails", async () => {
  const kube = new FakeKube();
  kube.inject({
    verb: "create",
    resource: "directpvinitrequests",
    name: "00000000-0000-4000-8000-000000000003",
    error: new Error("boom"),
  });
  await assert.rejects(initDrives(kube, { config: CONFIG, timeoutMs: 300, uuid: uuids() }), /boom/);
  assert.deepEqual(await kube.initRequests.listAll(), []);
});

Deno.test("initDrives() refuses a config with nothing selected", async () => {
  await assert.rejects(
    initDrives(new FakeKube(), {
      config: { version: "v1", nodes: [{ name: "n" }] },
      timeoutMs: 10,
    }),
    (e) => e instanceof FailedPreconditionError && e.message === "No drives are available to init",
  );
});
