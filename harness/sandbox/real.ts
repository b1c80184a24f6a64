/**
 * The sandbox on real nodes (`up --real-node`): the control plane with kube-scheduler, the
 * loopback registry and real containerd + kubelet nodes, with a first pod Running on them.
 */
import { Logger } from "../../lib/log/mod.ts";
import {
  applyObjects,
  BUSYBOX_IMAGE,
  containerLog,
  interruptOnSignals,
  realNodePod,
  startRealEnv,
  waitPod,
} from "../node/mod.ts";

/** Brings the real-node sandbox up in `dir` and runs a first pod on node-1. */
export async function upRealNode(
  dir: string,
  nodeCount: number,
  say: (msg: string) => void,
): Promise<void> {
  const interrupt = interruptOnSignals(say);
  try {
    const log = new Logger({ format: "text", sink: (line) => console.error(line) });
    const nodes = Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`);
    say("Starting the control plane, the loopback registry and real nodes (containerd, kubelet)");
    const env = await startRealEnv({ dir, nodes, log, signal: interrupt.signal });
    for (const node of env.nodes) say(`Node "${node.name}" Ready in ${node.startupMs} ms`);
    const first = env.nodes[0];
    if (!first) throw new Error("No node was started");
    await applyObjects(
      env.cluster,
      realNodePod(env, {
        name: "sandbox-hello",
        nodeName: first.name,
        containers: [{
          name: "main",
          image: BUSYBOX_IMAGE,
          command: ["sh", "-c", 'echo "hello from a real pod on $(hostname)"; exec sleep 86400'],
        }],
      }),
    );
    const pod = await waitPod(env.cluster, "default", "sandbox-hello", { ready: true });
    say(
      `Pod default/sandbox-hello Running; it wrote: ${
        (await containerLog(first, pod, "main")).trim()
      }`,
    );
    say(`kubeconfig: ${env.cluster.kubeconfigPath}`);
    say(`Pod logs: ${first.paths.podLogsDir}`);
    say("Stop it with: bash harness/sandbox.sh down");
  } finally {
    interrupt.dispose();
  }
}
