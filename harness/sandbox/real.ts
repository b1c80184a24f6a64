/**
 * The sandbox on a real node (the default of `up`): the control plane with kube-scheduler, the
 * loopback registry with our driver image, a real containerd + kubelet node, DirectPV installed
 * with `kubectl directpv install`, two loop drives discovered and initialized, and a pod
 * Running on a DirectPV volume with what it wrote.
 */
import { Logger } from "../../lib/log/mod.ts";
import { createLoopDrives } from "../loop/mod.ts";
import {
  applyObjects,
  containerLog,
  interruptOnSignals,
  type RealEnv,
  type RealNode,
  startRealEnv,
  waitPod,
} from "../node/mod.ts";
import { directpv, installDirectPV, pushDriverImage } from "../realnode/directpv.ts";
import { getJson, STORAGE_CLASS, waitUntil, writerPodWithClaim } from "../realnode/workloads.ts";

const POD = "sandbox-writer";
const SCRIPT = 'echo "written by pod $(hostname) at $(date -u +%FT%TZ)" >>/data/hello.txt; ' +
  "cat /data/hello.txt; touch /tmp/ready; exec sleep 86400";

/** Brings the real-node sandbox up in `dir`: DirectPV installed, a pod on a DirectPV volume. */
export async function upRealNode(
  dir: string,
  nodeCount: number,
  say: (msg: string) => void,
): Promise<void> {
  const interrupt = interruptOnSignals(say);
  const started = performance.now();
  try {
    const log = new Logger({ format: "text", sink: (line) => console.error(line) });
    const nodes = Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`);
    say("Starting the control plane, the loopback registry and a real node (containerd, kubelet)");
    const env = await startRealEnv({ dir, nodes, log, signal: interrupt.signal });
    for (const node of env.nodes) say(`Node "${node.name}" Ready in ${node.startupMs} ms`);
    const first = env.nodes[0];
    if (!first) throw new Error("No node was started");
    const image = await pushDriverImage(env, say);
    say(`Driver image pushed to the loopback registry in ${image.pushMs} ms`);
    say("Installing DirectPV with kubectl directpv install");
    const timings = await installDirectPV(env, first);
    say(`DirectPV pods Running and Ready ${timings.readyMs} ms after install started`);
    await initDrives(env, first, say);
    await runWriter(env, first, say);
    console.log((await directpv(env, first, ["list", "drives", "--all"])).stdout);
    console.log((await directpv(env, first, ["list", "volumes", "--all"])).stdout);
    say(`Sandbox up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    say(`kubeconfig: ${env.cluster.kubeconfigPath}`);
    say(`Try: tools/kubectl-directpv --kubeconfig ${env.cluster.kubeconfigPath} info`);
    say(`Pod logs: ${first.paths.podLogsDir}`);
    say("Stop it with: bash harness/sandbox.sh down");
  } finally {
    interrupt.dispose();
  }
}

async function initDrives(env: RealEnv, node: RealNode, say: (msg: string) => void) {
  const loops = await createLoopDrives([{ name: "disk-a", size: "1GiB" }, {
    name: "disk-b",
    size: "1GiB",
  }], { dir: node.paths.loopDir });
  say(`Loop drives: ${loops.map((l) => l.device).join(", ")}`);
  const file = `${env.dir}/drives.yaml`;
  say("Discovering drives (the node server probes them inside its container)");
  console.log((await directpv(env, node, ["discover", "--output-file", file])).stdout);
  say("Initializing the selected drives");
  console.log((await directpv(env, node, ["init", file, "--dangerous"])).stdout);
  await waitUntil(
    "the drives to be Ready",
    async () => (await getJson(env, ["directpvdrives"])).items,
    (all: { status?: { status?: string } }[]) =>
      all.length === loops.length && all.every((d) => d.status?.status === "Ready"),
  );
}

async function runWriter(env: RealEnv, node: RealNode, say: (msg: string) => void) {
  say(`Creating PVC ${POD} (64Mi on ${STORAGE_CLASS}) and pod ${POD} using it`);
  const start = performance.now();
  const ready = { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 };
  await applyObjects(
    env.cluster,
    ...writerPodWithClaim(env, { name: POD, size: "64Mi", script: SCRIPT, readinessProbe: ready }),
  );
  const running = await waitPod(env.cluster, "default", POD, { ready: true, timeoutMs: 180_000 });
  say(`Pod default/${POD} Running ${Math.round(performance.now() - start)} ms after the PVC`);
  say(
    `It wrote /data/hello.txt on its DirectPV volume: ${
      (await containerLog(node, running, "main")).trim()
    }`,
  );
}
