// Real-node lifecycle: a second kubelet on the same machine (its own containerd, directory,
// ports), stopped with a pod's Bidirectional mount and a loop device in place, leaves no
// process, mount, loop device or cgroup; a node that cannot come up fails in bounded time,
// naming what did not come up.
import assert from "node:assert/strict";
import { attachedLoops, createLoopDrives, mountsUnder } from "../loop/mod.ts";
import { pathExists, processAlive } from "../lib/mod.ts";
import {
  applyObjects,
  nodeDir,
  runcContainers,
  shellPod,
  shimPids,
  startEnvNode,
  waitPod,
} from "../node/mod.ts";
import { bidirectionalHost, realNodeTest } from "./scenario.ts";

realNodeTest(
  "a second node runs beside the first and stops leaving nothing behind",
  async (env) => {
    const node = await startEnvNode(env, "extra");
    const dir = node.dir;
    let stopped = false;
    try {
      console.error(`[realnode] second node Ready in ${node.startupMs} ms`);
      const [drive] = await createLoopDrives([{ name: "d1", size: "64MiB" }], {
        dir: node.paths.loopDir,
      });
      assert.ok(drive);
      await Deno.mkdir(`${node.paths.hostDir}/bidi`, { recursive: true });
      await applyObjects(
        env.cluster,
        shellPod(env, {
          name: "extra-mounter",
          nodeName: "extra",
          script: "mount -t tmpfs t /host && touch /ready && exec sleep 3600",
          container: bidirectionalHost(),
          volumes: [{ name: "host", hostPath: { path: `${node.paths.hostDir}/bidi` } }],
        }),
      );
      await waitPod(env.cluster, "default", "extra-mounter", { ready: true });
      const containers = await runcContainers(node.paths.runcRoot);
      assert.equal(containers.length, 2, "the pod's sandbox and container run");
      const shims = await shimPids(node.paths.containerdSocket);
      assert.ok(shims.length > 0, "the pod has a shim");
      assert.ok((await mountsUnder(dir)).length > 3, "the node has mounts");
      await node.stop();
      stopped = true;
      for (const p of node.processes) assert.ok(!(await processAlive(p)), `${p.name} stopped`);
      for (const pid of shims) assert.ok(!(await processAlive({ pid })), `shim ${pid} stopped`);
      assert.deepEqual(await mountsUnder(dir), [], "nothing stays mounted");
      const loops = (await attachedLoops()).filter((l) => l.backingFile.startsWith(dir));
      assert.deepEqual(loops, [], "no loop device stays attached");
      for (const c of containers) {
        for (const cg of c.cgroupDirs) assert.ok(!(await pathExists(cg)), `"${cg}" removed`);
      }
      assert.ok(!(await pathExists(dir)), "the node's directory is gone");
      await env.cluster.kubectl(["delete", "pod", "extra-mounter", "--force", "--grace-period=0"]);
      await env.cluster.kubectl(["delete", "node", "extra"]);
    } finally {
      if (!stopped) await node.stop();
    }
  },
);

realNodeTest(
  "a kubelet that cannot reach the API fails in bounded time with its log",
  async (env) => {
    const dir = nodeDir(env.dir, "unreachable");
    const kubeconfig = `${env.dir}/unreachable.kubeconfig`;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close(); // nothing listens there any more
    const text = await Deno.readTextFile(env.cluster.kubeconfigPath);
    await Deno.writeTextFile(kubeconfig, text.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`));
    await assert.rejects(
      startEnvNode(env, "unreachable", { kubeconfig, readyTimeoutMs: 8_000 }),
      (err: Error) => {
        assert.match(err.message, /node "unreachable" did not register within 8000 ms/);
        assert.match(err.message, /last lines of ".*kubelet\.log"/);
        return true;
      },
    );
    assert.ok(!(await pathExists(dir)), "the failed node was cleaned up");
    await Deno.remove(kubeconfig);
  },
);
