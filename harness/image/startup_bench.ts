/**
 * Benchmark: start-up of the node server inside the driver image. The image's layers are
 * unpacked into a root filesystem; the node server runs there (chroot, its own mount
 * namespace with the host's /proc, /sys and /dev, the image's environment) against a local
 * control plane, registering with a kubelet plugin directory of its own and serving /healthz.
 * Prints, per run, the time from spawn to the CSI socket, to the registration socket, to
 * `/ready` 200 (drives synced, API reachable) and to `/healthz` 200, with the image's Deno
 * cache and with an empty one; and `directpv --version`. Asserts nothing. Root.
 *
 *   deno run -A harness/image/startup_bench.ts [--runs 3]
 *
 * This is not a container runtime: no cgroup, no overlay filesystem, no pod network; the
 * figures are the driver's own start-up on the image's files.
 */
import { join } from "node:path";
import { connectKube } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import type { AnyObject } from "../../lib/k8s/mod.ts";
import { startCluster } from "../cluster/mod.ts";
import {
  freeLoopbackPorts,
  pathExists,
  removePath,
  spawnDaemon,
  stopProcess,
  tailFile,
  waitFor,
} from "../lib/mod.ts";
import { imageArchivePath, openArchive, runInRootfs, unpackLayers } from "./oci_archive.ts";

const RUNS = Number(Deno.args[Deno.args.indexOf("--runs") + 1] || 3);
const RUN_ID = crypto.randomUUID().slice(0, 8);

/** Mounts the host's /proc, /sys and /dev into the root filesystem, then runs the command. */
const NODE_SCRIPT = 'r="$1"; shift; mount -t proc proc "$r/proc" && ' +
  'mount --rbind /sys "$r/sys" && mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"';

interface Timings {
  csiSocket: number;
  registrationSocket: number;
  ready: number;
  healthz: number;
}

async function httpOk(port: number, path: string): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

async function startOnce(rootfs: string, env: string[], denoDir: string): Promise<Timings> {
  const [readiness = 0, metrics = 0, health = 0] = freeLoopbackPorts(3);
  const args = [
    "node-server",
    "--kubeconfig=/tmp/bench/kubeconfig",
    `--kube-node-name=bench-${RUN_ID}`,
    "--csi-endpoint=unix:///tmp/bench/csi/csi.sock",
    "--listen-address=127.0.0.1",
    `--readiness-port=${readiness}`,
    `--metrics-port=${metrics}`,
    `--health-port=${health}`,
    "--loop-backing-dir=/tmp/bench/no-loops",
    "--kubelet-registration-path=/var/lib/kubelet/plugins/directpv-min-io/csi.sock",
    "--plugin-registration-path=/tmp/bench/plugins_registry",
  ];
  const logFile = join(rootfs, "tmp", "bench", `node-server-${Date.now()}.log`);
  const start = performance.now();
  const proc = await spawnDaemon({
    name: "node-server",
    command: "unshare",
    args: [
      "--mount",
      "sh",
      "-c",
      NODE_SCRIPT,
      "sh",
      rootfs,
      "/usr/bin/env",
      "-i",
      ...env,
      `DENO_DIR=${denoDir}`,
      "directpv",
      ...args,
    ],
    logFile,
  });
  const since = () => Math.round(performance.now() - start);
  const at = (what: string, probe: () => Promise<boolean>) =>
    waitFor(async () => (await probe()) && since(), {
      timeoutMs: 60_000,
      intervalMs: 5,
      description: what,
    });
  try {
    const csiSocket = await at(
      "the CSI socket",
      () => pathExists(join(rootfs, "tmp/bench/csi/csi.sock")),
    );
    const registrationSocket = await at(
      "the registration socket",
      () => pathExists(join(rootfs, "tmp/bench/plugins_registry/directpv-min-io-reg.sock")),
    );
    const ready = await at("/ready", () => httpOk(readiness, "/ready"));
    const healthz = await at("/healthz", () => httpOk(health, "/healthz"));
    return { csiSocket, registrationSocket, ready, healthz };
  } catch (err) {
    console.error(await tailFile(logFile, 30));
    throw err;
  } finally {
    await stopProcess(proc, { graceMs: 10_000 });
  }
}

function row(label: string, t: Timings): string {
  return `${label.padEnd(22)} csi socket ${t.csiSocket} ms, registration socket ` +
    `${t.registrationSocket} ms, /ready ${t.ready} ms, /healthz ${t.healthz} ms`;
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-startup-bench-" });
  const cluster = await startCluster({ workDir: join(dir, "cluster") });
  try {
    const layout = await openArchive(imageArchivePath(), join(dir, "layout"));
    const rootfs = join(dir, "rootfs");
    await unpackLayers(layout, rootfs);
    const env: string[] = layout.config.config.Env;
    await Deno.mkdir(join(rootfs, "tmp/bench/no-loops"), { recursive: true });
    await Deno.copyFile(cluster.kubeconfigPath, join(rootfs, "tmp/bench/kubeconfig"));
    const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
    for (const crd of crdObjects()) await kube.customResourceDefinitions.create(crd as AnyObject);
    for (let i = 1; i <= 3; i++) {
      const start = performance.now();
      const r = await runInRootfs(rootfs, ["directpv", "--version"], { env });
      console.log(
        `directpv --version (image cache)   ${
          Math.round(performance.now() - start)
        } ms: ${r.stdout.trim()}`,
      );
    }
    for (let i = 1; i <= RUNS; i++) {
      console.log(
        row(`run ${i}, image cache`, await startOnce(rootfs, env, "/var/cache/directpv/deno")),
      );
      const empty = `/tmp/bench/empty-deno-${i}`;
      console.log(row(`run ${i}, empty cache`, await startOnce(rootfs, env, empty)));
    }
  } finally {
    await cluster.stop();
    await removePath(dir);
  }
}

await main();
