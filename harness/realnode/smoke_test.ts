// Real-node smoke scenarios: real pods on a real kubelet, from the loopback registry. Run by
// harness/realnode/run.ts, which starts the environment and names it in
// DIRECTPV_REALNODE_DIR; what later scenarios build on is proved here.
import assert from "node:assert/strict";
import { parseMounts } from "../loop/mod.ts";
import { run, waitFor } from "../lib/mod.ts";
import {
  applyObjects,
  containerLog,
  execInContainer,
  getPod,
  KUBECTL_IMAGE,
  type RealEnv,
  realNodePod,
  shellPod,
  waitPod,
} from "../node/mod.ts";
import { bidirectionalHost, realNodeTest } from "./scenario.ts";

function say(line: string): void {
  console.error(`[realnode] ${line}`);
}

async function deletePod(env: RealEnv, name: string, namespace = "default"): Promise<void> {
  await env.cluster.kubectl([
    "delete",
    "pod",
    name,
    `--namespace=${namespace}`,
    "--grace-period=0",
    "--force",
    "--ignore-not-found",
    "--wait=false",
  ]);
}

realNodeTest("pods from the loopback registry run on the kubelet", async (env, t) => {
  const node = env.nodes[0];
  assert.ok(node, "the environment has a node");

  await t.step(
    "the node is Ready with containerd 2.4 and the kubelet of the harness",
    async () => {
      const out = await env.cluster.kubectl(["get", "node", node.name, "--output=json"]);
      const info = JSON.parse(out).status.nodeInfo;
      assert.equal(info.containerRuntimeVersion, "containerd://2.4.2");
      assert.equal(info.kubeletVersion, "v1.36.3");
    },
  );

  await t.step("a busybox pod is scheduled, pulls its image, runs and logs", async () => {
    const started = performance.now();
    const script = 'echo "hello from $(hostname)"; echo to-stderr >&2; exec sleep 3600';
    await applyObjects(env.cluster, shellPod(env, { name: "hello", script }));
    const pod = await waitPod(env.cluster, "default", "hello", { ready: true });
    say(
      `busybox pod: created to Running and Ready in ${Math.round(performance.now() - started)} ms`,
    );
    assert.equal(pod.spec?.nodeName, node.name, "the scheduler bound it to the real node");
    const log = await waitFor(async () => {
      const text = await containerLog(node, pod, "main");
      return text.includes("to-stderr") ? text : undefined;
    }, { timeoutMs: 10_000, description: "the container's log" });
    // stdout and stderr are separate pipes: the log keeps each stream's order, not theirs.
    assert.deepEqual(log.split("\n").sort(), ["", "hello from " + Deno.hostname(), "to-stderr"]);
    const exec = await execInContainer(node, pod, "main", ["cat", "/proc/1/cmdline"]);
    assert.equal(exec.split("\0")[0], "sleep", "exec runs in the pod's container");
    await deletePod(env, "hello");
  });

  await t.step("a DaemonSet runs its pod on the node", async () => {
    const template = shellPod(env, { name: "ds", script: "exec sleep 3600" }) as {
      spec: Record<string, unknown>;
    };
    await applyObjects(env.cluster, {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "smoke-ds", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "smoke-ds" } },
        template: { metadata: { labels: { app: "smoke-ds" } }, spec: template.spec },
      },
    });
    await waitFor(async () => {
      const ds = JSON.parse(
        await env.cluster.kubectl(["get", "daemonset", "smoke-ds", "--output=json"]),
      );
      return ds.status?.numberReady === env.nodes.length || undefined;
    }, { timeoutMs: 120_000, intervalMs: 500, description: "the DaemonSet's pods to be ready" });
    const pods = JSON.parse(
      await env.cluster.kubectl(["get", "pods", "--selector=app=smoke-ds", "--output=json"]),
    ).items as { spec: { nodeName: string }; status: { phase: string } }[];
    assert.deepEqual(pods.map((p) => [p.spec.nodeName, p.status.phase]), [[
      node.name,
      "Running",
    ]]);
    await env.cluster.kubectl(["delete", "daemonset", "smoke-ds", "--wait=false"]);
  });

  await t.step("a Bidirectional mount made in a privileged pod shows on the host", async () => {
    const hostDir = `${node.paths.hostDir}/bidi`;
    await Deno.mkdir(hostDir, { recursive: true });
    await applyObjects(
      env.cluster,
      shellPod(env, {
        name: "mounter",
        script: "mkdir -p /host/mnt && mount -t tmpfs -o size=1m smoke /host/mnt && " +
          "echo made-inside >/host/mnt/file && touch /ready && exec sleep 3600",
        container: bidirectionalHost(),
        volumes: [{ name: "host", hostPath: { path: hostDir, type: "Directory" } }],
      }),
    );
    await waitPod(env.cluster, "default", "mounter", { ready: true });
    const mounts = parseMounts(await Deno.readTextFile("/proc/self/mountinfo"));
    assert.ok(
      mounts.some((m) => m.mountPoint === `${hostDir}/mnt`),
      `"${hostDir}/mnt" is a mount point on the host`,
    );
    assert.equal(await Deno.readTextFile(`${hostDir}/mnt/file`), "made-inside\n");
    await deletePod(env, "mounter");
    // The mount outlives the pod on the host, as a CSI node plugin's would: undo it here.
    await run("umount", [`${hostDir}/mnt`]);
  });

  await t.step(
    "a pod reads the API with its ServiceAccount token (in-cluster config)",
    async () => {
      await env.cluster.kubectl(["create", "namespace", "smoke-sa"]);
      await env.cluster.kubectl(["create", "serviceaccount", "reader", "--namespace=smoke-sa"]);
      await applyObjects(
        env.cluster,
        realNodePod(env, {
          name: "whoami",
          namespace: "smoke-sa",
          serviceAccountName: "reader",
          restartPolicy: "Never",
          containers: [{
            name: "main",
            image: KUBECTL_IMAGE,
            args: ["auth", "whoami", "--output=jsonpath={.status.userInfo.username}"],
          }],
        }),
      );
      const pod = await waitPod(env.cluster, "smoke-sa", "whoami", { phase: "Succeeded" });
      assert.equal(
        (await containerLog(node, pod, "main")).trim(),
        "system:serviceaccount:smoke-sa:reader",
      );
      await env.cluster.kubectl(["delete", "namespace", "smoke-sa", "--wait=false"]);
    },
  );

  await t.step("a pod that cannot start says why", async () => {
    await applyObjects(
      env.cluster,
      realNodePod(env, {
        name: "missing-image",
        containers: [{ name: "main", image: "quay.io/directpv-harness/absent:1" }],
      }),
    );
    await assert.rejects(
      waitPod(env.cluster, "default", "missing-image", { timeoutMs: 8_000 }),
      /is not Running after 8000 ms: .*container "main" waiting \((ErrImagePull|ImagePullBackOff)/,
    );
    assert.ok(await getPod(env.cluster, "default", "missing-image"));
    await deletePod(env, "missing-image");
  });
});
