// Control-plane tests: real etcd, kube-apiserver and kube-controller-manager on loopback.
// Run with `deno test -A harness/cluster`. They need the tools of harness/tools/build.sh;
// without them they are skipped, or fail under CI=true.
import assert from "node:assert/strict";
import { captureLogger } from "../../lib/log/testing.ts";
import { pathExists, processAlive, run, testGate, waitFor } from "../lib/mod.ts";
import { type Cluster, CLUSTER_TOOLS, readState, startCluster, stopCluster } from "./mod.ts";

const gate = await testGate("cluster tests", {
  tools: CLUSTER_TOOLS,
  commands: Deno.uid() === 0 ? ["setsid"] : ["setsid", "openssl"],
});

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.harness.example.com
spec:
  group: harness.example.com
  scope: Cluster
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`;

const PV_AND_PVC = `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: harness-pv
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: harness-manual
  hostPath: { path: /tmp/harness-pv }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: harness-pvc
  namespace: default
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: harness-manual
  resources: { requests: { storage: 512Mi } }
`;

async function assertStopped(cluster: Cluster, recorded: { pid: number; startTime: number }[]) {
  for (const p of recorded) {
    assert.ok(!(await processAlive(p)), `PID ${p.pid} still runs`);
  }
  assert.ok(!(await pathExists(cluster.workDir)), `"${cluster.workDir}" remains`);
}

async function jsonpath(cluster: Cluster, args: string[], path: string): Promise<string> {
  return await cluster.kubectl([...args, "-o", `jsonpath=${path}`]);
}

Deno.test({
  name: "startCluster() serves the API, runs the PV binder and GC, and stop() leaves nothing",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    gate.assert();
    const cluster = await startCluster();
    const recorded = [...cluster.processes];
    try {
      assert.deepEqual(Object.keys(cluster.pids).sort(), [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
      ]);
      console.error(`control plane start (spawn to /readyz ok): ${cluster.startupMs} ms`);
      await t.step("readyz is ok", async () => {
        assert.equal((await cluster.kubectl(["get", "--raw", "/readyz"])).trim(), "ok");
      });
      await t.step("a CRD and an object of it are served", async () => {
        await cluster.kubectl(["apply", "-f", "-"], { stdin: CRD });
        await cluster.kubectl([
          "wait",
          "--for=condition=Established",
          "crd/widgets.harness.example.com",
          "--timeout=30s",
        ]);
        const widget = "apiVersion: harness.example.com/v1\nkind: Widget\n" +
          "metadata: { name: w1 }\nspec: { size: 3 }\n";
        await cluster.kubectl(["apply", "-f", "-"], { stdin: widget });
        assert.equal(await jsonpath(cluster, ["get", "widget", "w1"], "{.spec.size}"), "3");
      });
      await t.step("kube-controller-manager binds a PVC to a matching PV", async () => {
        await cluster.kubectl(["apply", "-f", "-"], { stdin: PV_AND_PVC });
        const pvc = ["get", "pvc", "harness-pvc", "-n", "default"];
        await waitFor(async () => (await jsonpath(cluster, pvc, "{.status.phase}")) === "Bound", {
          timeoutMs: 60_000,
          intervalMs: 250,
          description: "the PVC to be bound",
        });
        assert.equal(await jsonpath(cluster, pvc, "{.spec.volumeName}"), "harness-pv");
        const pv = ["get", "pv", "harness-pv"];
        assert.equal(await jsonpath(cluster, pv, "{.spec.claimRef.name}"), "harness-pvc");
      });
      await t.step("the garbage collector deletes dependents of a deleted owner", async () => {
        await cluster.kubectl(["create", "configmap", "owner", "-n", "default"]);
        const uid = await jsonpath(
          cluster,
          ["get", "cm", "owner", "-n", "default"],
          "{.metadata.uid}",
        );
        const dependent = {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "dependent",
            namespace: "default",
            ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid }],
          },
        };
        await cluster.kubectl(["apply", "-f", "-"], { stdin: JSON.stringify(dependent) });
        await cluster.kubectl(["delete", "cm", "owner", "-n", "default"]);
        await waitFor(async () => {
          const out = await cluster.kubectl(["get", "cm", "-n", "default", "-o", "name"]);
          return !out.includes("configmap/dependent");
        }, { timeoutMs: 60_000, intervalMs: 250, description: "the dependent to be collected" });
      });
    } finally {
      await cluster.stop();
    }
    await assertStopped(cluster, recorded);
    await cluster.stop(); // a second stop is harmless
  },
});

Deno.test({
  name: "stopCluster() stops a cluster from its state file and keeps a work dir it did not create",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    gate.assert();
    const workDir = await Deno.makeTempDir({ prefix: "directpv-cluster-test-" });
    try {
      await Deno.writeTextFile(`${workDir}/keep.txt`, "mine");
      const cluster = await startCluster({ workDir, withControllerManager: false });
      assert.deepEqual(Object.keys(cluster.pids).sort(), ["etcd", "kube-apiserver"]);
      const state = await readState(workDir);
      assert.ok(state);
      assert.ok(!state.ownsWorkDir);
      await assert.rejects(startCluster({ workDir }), /one runs there/);
      await stopCluster(workDir);
      for (const p of state.processes) assert.ok(!(await processAlive(p)));
      const left = [];
      for await (const e of Deno.readDir(workDir)) left.push(e.name);
      assert.deepEqual(left, ["keep.txt"]);
    } finally {
      await stopCluster(workDir);
      await Deno.remove(workDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "startCluster() stops what it started when kube-apiserver cannot start",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    gate.assert();
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { logger, records } = captureLogger();
    const base = await Deno.makeTempDir({ prefix: "directpv-cluster-test-" });
    const workDir = `${base}/w`;
    try {
      const port = (busy.addr as Deno.NetAddr).port;
      await assert.rejects(
        startCluster({ workDir, ports: { apiserver: port }, log: logger, readyTimeoutMs: 60_000 }),
        (err: Error) => {
          assert.match(err.message, /"kube-apiserver" exited/);
          assert.match(err.message, /last lines of ".*kube-apiserver\.log"/);
          return true;
        },
      );
      const pids = records.filter((r) => r.msg === "Started").map((r) => Number(r.fields.pid));
      assert.equal(pids.length, 2);
      for (const pid of pids) assert.ok(!(await processAlive({ pid })));
      assert.ok(!(await pathExists(workDir)));
    } finally {
      busy.close();
      await stopCluster(workDir);
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test({
  name: "cluster CLI: up leaves a running cluster behind, status sees it, down removes it",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    gate.assert();
    const main = new URL("./main.ts", import.meta.url).pathname;
    const base = await Deno.makeTempDir({ prefix: "directpv-cluster-test-" });
    const workDir = `${base}/cli`;
    try {
      const up = await run(Deno.execPath(), ["run", "-A", main, "up", "--work-dir", workDir]);
      const kubeconfig = up.stdout.trim();
      assert.equal(kubeconfig, `${workDir}/kubeconfig`);
      assert.match(up.stderr, /Control plane ready in \d+ ms/);
      // The CLI has exited; the cluster must still answer.
      const state = await readState(workDir);
      assert.ok(state);
      const kubectl = `${state.binDir}/kubectl`;
      const ready = await run(kubectl, [`--kubeconfig=${kubeconfig}`, "get", "--raw", "/readyz"]);
      assert.equal(ready.stdout.trim(), "ok");
      const status = await run(Deno.execPath(), [
        "run",
        "-A",
        main,
        "status",
        "--work-dir",
        workDir,
      ]);
      assert.match(status.stdout, /kube-apiserver\s+pid=\d+ running/);
      await run(Deno.execPath(), ["run", "-A", main, "down", "--work-dir", workDir]);
      for (const p of state.processes) assert.ok(!(await processAlive(p)));
      assert.ok(!(await pathExists(workDir)));
    } finally {
      await stopCluster(workDir);
      await Deno.remove(base, { recursive: true });
    }
  },
});
