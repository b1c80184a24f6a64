/**
 * The real kubectl-directpv, run as a process, against a real API server. Run with -A:
 *
 *   deno test -A harness/e2e/cli_test.ts
 *
 * The scenarios end with `uninstall --dangerous`, which deletes every DirectPV object and
 * leaves the `directpv` namespace terminating (the harness runs no namespace controller), so
 * by default they start a control plane of their own (harness/cluster; needs the built
 * etcd, kube-apiserver and kube-controller-manager) instead of the shared
 * DIRECTPV_E2E_KUBECONFIG one. DIRECTPV_E2E_CLI_KUBECONFIG runs them against a given
 * cluster instead. DIRECTPV_E2E_CLI may point at another build of the CLI (the
 * `deno task compile:cli` binary); the default is tools/kubectl-directpv. No node servers run here: the node controllers' part of
 * discover and init is played in-process by the real node steps (`nodeControllers`) over
 * fake devices and the real API.
 * Scenarios share one cluster and run in order: install (manifest, dry run, live, again),
 * info, discover, init (a failed drive exits 1), list/label/cordon/suspend/remove on seeded
 * drives, exit codes, uninstall (CRDs kept, then --dangerous).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { makeCsiNode, makeDrive, makeVolume } from "../../lib/admin/testing.ts";
import { nodeControllers } from "../../lib/node_init/testing.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { connectKube, type KubeClient } from "../../lib/k8s/mod.ts";
import { LABELS, NAMESPACE } from "../../lib/types/mod.ts";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { startCluster } from "../cluster/mod.ts";
import { run, testGate, waitFor } from "../lib/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GIVEN_KUBECONFIG = Deno.env.get("DIRECTPV_E2E_CLI_KUBECONFIG") ?? "";
const CLI = Deno.env.get("DIRECTPV_E2E_CLI") ?? join(ROOT, "tools", "kubectl-directpv");
const RUN = crypto.randomUUID().slice(0, 8);
const NODE = `cli-${RUN}`;
const DRIVE = "c1c1c1c1-0000-4000-8000-000000000001";

/** Where this process's Deno keeps its caches, so the CLI reuses them under another HOME. */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");

const gate = GIVEN_KUBECONFIG
  ? { ignore: false, assert: () => {} }
  : await testGate("CLI scenarios", {
    tools: ["etcd", "kube-apiserver", "kube-controller-manager"],
  });

let KUBECONFIG = GIVEN_KUBECONFIG;
let home = "";
let kube: KubeClient;

/** Runs the CLI with the cluster's kubeconfig, HOME and cwd in a scratch directory. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return await run(CLI, ["--kubeconfig", KUBECONFIG, ...args], {
    allowFailure: true,
    cwd: home,
    env: { HOME: home, NO_COLOR: "1", DENO_DIR, DIRECTPV_DENO: Deno.execPath() },
    signal: AbortSignal.timeout(120_000),
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

Deno.test({
  name: "kubectl-directpv scenarios against a real API server",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    gate.assert();
    home = await Deno.makeTempDir({ prefix: "directpv-cli-e2e-" });
    const cluster = GIVEN_KUBECONFIG
      ? undefined
      : await startCluster({ workDir: join(home, "cluster") });
    KUBECONFIG = cluster?.kubeconfigPath ?? GIVEN_KUBECONFIG;
    kube = await connectKube({ kubeconfig: KUBECONFIG });
    try {
      await installSteps(t);
      await nodeSteps(t);
      await driveSteps(t);
      await exitCodeSteps(t);
      await uninstallSteps(t);
    } finally {
      await cleanup();
      await cluster?.stop();
      await Deno.remove(home, { recursive: true });
    }
  },
});

async function installSteps(t: Deno.TestContext): Promise<void> {
  await t.step("--version", async () => assert.equal((await ok("--version")).trim(), RELEASE_TAG));
  await t.step("install -o yaml prints valid documents naming our images only", async () => {
    const yaml = await ok("install", "-o", "yaml");
    const docs = parseAllDocuments(yaml);
    assert.ok(Array.isArray(docs) && docs.length >= 14);
    assert.doesNotMatch(yaml, /quay\.io\/minio/, "no MinIO image by default");
    assert.match(yaml, new RegExp(`image: ghcr\\.io/directpv/directpv:${RELEASE_TAG}\n`));
  });
  await t.step("install --dry-run persists nothing", async () => {
    const before = await kube.daemonSets.listAll({ namespace: NAMESPACE }).catch(() => []);
    await ok("install", "--dry-run");
    assert.deepEqual(
      await kube.daemonSets.listAll({ namespace: NAMESPACE }).catch(() => []),
      before,
    );
  });
  await t.step("install creates, then upgrades", async () => {
    assert.match(await ok("install"), /node-server +│ DaemonSet +│ created/);
    assert.equal(
      (await kube.customResourceDefinitions.listAll()).filter((c) =>
        c.spec?.group === "directpv.min.io"
      ).length,
      5,
      "drives, volumes, nodes, init requests and snapshots",
    );
    assert.match(
      await ok("install", "--image", "directpv:v0.0.0-e2e"),
      /node-server +│ DaemonSet +│ updated/,
    );
    const audit = await Array.fromAsync(Deno.readDir(join(home, ".directpv", "audit")));
    assert.equal(audit.length, 2);
  });
  await t.step("install adds the VolumeSnapshot API the cluster lacks", async () => {
    const crds = (await kube.customResourceDefinitions.listAll()).filter((c) =>
      c.spec?.group === "snapshot.storage.k8s.io"
    );
    assert.deepEqual(crds.map((c) => c.metadata.name).sort(), [
      "volumesnapshotclasses.snapshot.storage.k8s.io",
      "volumesnapshotcontents.snapshot.storage.k8s.io",
      "volumesnapshots.snapshot.storage.k8s.io",
    ]);
    await waitFor(async () => {
      const names = await kube.customResourceDefinitions.listAll();
      return names.filter((c) => c.spec?.group === "snapshot.storage.k8s.io").every((c) =>
        (c.status?.conditions ?? []).some((x: { type: string; status: string }) =>
          x.type === "Established" && x.status === "True"
        )
      );
    }, { timeoutMs: 30_000, description: "the VolumeSnapshot CRDs to be established" });
    const snapshots = kube.resource("snapshot.storage.k8s.io/v1", "VolumeSnapshot", {
      plural: "volumesnapshots",
      namespaced: true,
    });
    // The schema's rules hold on the real API server: exactly one source, no empty class.
    const both = {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      metadata: { name: `vs-${RUN}` },
      spec: { source: { persistentVolumeClaimName: "a", volumeSnapshotContentName: "b" } },
    };
    await assert.rejects(
      snapshots.create(both, { namespace: "default" }),
      /exactly one of volumeSnapshotContentName and persistentVolumeClaimName/,
    );
    const emptyClass = {
      ...both,
      spec: { source: { persistentVolumeClaimName: "a" }, volumeSnapshotClassName: "" },
    };
    await assert.rejects(
      snapshots.create(emptyClass, { namespace: "default" }),
      /volumeSnapshotClassName must not be empty/,
    );
    const deployment = await kube.deployments.get("snapshot-controller", { namespace: NAMESPACE });
    assert.match(
      JSON.stringify(deployment.spec.template.spec.containers),
      /registry\.k8s\.io\/sig-storage\/snapshot-controller:v8\.6\.0/,
    );
  });
}

async function nodeSteps(t: Deno.TestContext): Promise<void> {
  await kube.csiNodes.create(makeCsiNode(NODE));
  const stop = nodeControllers(kube, {
    devices: {
      [NODE]: [
        { name: "loop7", id: "7:7$ZTJl", majorMinor: "7:7", size: 2 ** 30, make: "" },
        { name: "loop8", id: "7:8$ZTJm", majorMinor: "7:8", size: 2 ** 30, make: "" },
      ],
    },
    failures: { loop8: "Device busy" },
  });
  try {
    await t.step(
      "info lists the node",
      async () => assert.match(await ok("info"), new RegExp(NODE)),
    );
    await t.step("discover writes drives.yaml", async () => {
      assert.match(await ok("discover", "-n", NODE, "--timeout", "30s"), /loop7/);
      assert.match(await Deno.readTextFile(join(home, "drives.yaml")), /name: loop8/);
    });
    await t.step("init reports the failed drive and exits 1", async () => {
      const r = await cli("init", "drives.yaml", "--dangerous", "--timeout", "30s");
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /loop8 +│ Failed; Device busy/);
      assert.match(r.stdout, /loop7 +│ Success/);
      assert.deepEqual(await kube.initRequests.listAll(), []);
      // The init step created loop7's drive; the drive steps below start from their own.
      const created = (await kube.drives.listAll()).filter((d) =>
        d.metadata.labels?.[LABELS.node] === NODE
      );
      assert.deepEqual(created.map((d) => d.metadata.labels?.[LABELS.driveName]), ["loop7"]);
      for (const drive of created) {
        const name = drive.metadata.name ?? "";
        await kube.drives.patch(name, { metadata: { finalizers: null } }, { type: "merge" });
        await kube.drives.delete(name);
      }
    });
  } finally {
    await stop();
  }
}

async function driveSteps(t: Deno.TestContext): Promise<void> {
  await kube.drives.create(
    makeDrive({ id: DRIVE, node: NODE, name: "loop7", volumes: ["pvc-e2e"] }),
  );
  await kube.volumes.create(
    makeVolume({ name: `pvc-${RUN}`, driveId: DRIVE, node: NODE, driveName: "loop7" }),
  );
  await t.step("list drives -o json", async () => {
    const list = JSON.parse(await ok("list", "drives", "-n", NODE, "-o", "json"));
    assert.deepEqual(list.items.map((d: { metadata: { name: string } }) => d.metadata.name), [
      DRIVE,
    ]);
  });
  await t.step("cordon and uncordon", async () => {
    await ok("cordon", DRIVE);
    assert.ok((await kube.drives.get(DRIVE)).spec.unschedulable);
    await ok("uncordon", DRIVE);
  });
  await t.step("label, suspend, resume", async () => {
    await ok("label", "drives", "tier=e2e", "-n", NODE);
    assert.equal((await kube.drives.get(DRIVE)).metadata.labels?.["directpv.min.io/tier"], "e2e");
    await ok("suspend", "drives", DRIVE, "--dangerous");
    assert.equal((await kube.drives.get(DRIVE)).metadata.labels?.[LABELS.suspend], "true");
    await ok("resume", "drives", DRIVE);
  });
  await t.step("remove refuses a drive with volumes", async () => {
    const r = await cli("remove", DRIVE);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unable to remove drive/);
  });
  await t.step(
    "list volumes",
    async () => assert.match(await ok("list", "volumes", "-n", NODE), new RegExp(`pvc-${RUN}`)),
  );
}

async function exitCodeSteps(t: Deno.TestContext): Promise<void> {
  await t.step("usage errors exit 2, no match exits 1", async () => {
    assert.equal((await cli("cordon")).code, 2);
    assert.equal((await cli("list", "drives", "-o", "xml")).code, 2);
    const none = await cli("cordon", "-n", `missing-${RUN}`);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, "No matching resources found\n");
  });
}

async function uninstallSteps(t: Deno.TestContext): Promise<void> {
  await t.step("uninstall keeps CRDs and drives", async () => {
    await ok("uninstall");
    assert.equal((await kube.drives.get(DRIVE)).metadata.name, DRIVE);
    await assert.rejects(
      kube.daemonSets.get("node-server", { namespace: NAMESPACE }),
      NotFoundError,
    );
  });
  await t.step("uninstall --dangerous removes the CRDs", async () => {
    await ok("uninstall", "--dangerous");
    const crds = await kube.customResourceDefinitions.listAll();
    assert.ok(
      !crds.some((c) => c.spec?.group === "directpv.min.io" && !c.metadata.deletionTimestamp),
    );
    // Other drivers' VolumeSnapshots live in these: uninstall never deletes them.
    assert.equal(crds.filter((c) => c.spec?.group === "snapshot.storage.k8s.io").length, 3);
    await assert.rejects(
      kube.deployments.get("snapshot-controller", { namespace: NAMESPACE }),
      NotFoundError,
    );
  });
}

async function cleanup(): Promise<void> {
  await kube.csiNodes.delete(NODE).catch(() => {});
}
