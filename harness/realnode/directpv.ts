/**
 * DirectPV on a real node: our driver image pushed to the loopback registry, the real
 * `kubectl directpv` run against the environment (with the kubelet directory of the node), and
 * `install` followed by the harness's patch for this machine (harness/node/patch.ts), waiting
 * for the node-server and controller pods to be Running and Ready. Used by the scenarios and
 * by `harness/sandbox.sh up`.
 */
import { join } from "node:path";
import { defaultInstallArgs, driverImage } from "../../lib/install/mod.ts";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { imageArchivePath } from "../image/oci_archive.ts";
import { freeLoopbackPorts, pathExists, run, waitFor } from "../lib/mod.ts";
import {
  describePod,
  INSTALL_GATE_FLAG,
  patchInstalled,
  type PodObject,
  pushArchive,
  REAL_NODE_INSTALL_FLAGS,
  type RealEnv,
  type RealNode,
} from "../node/mod.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const CLI = join(REPO, "tools/kubectl-directpv");

/** The driver image `install` deploys by default: the one this repository builds. */
export const DRIVER_IMAGE = driverImage(defaultInstallArgs(RELEASE_TAG));

/** What {@link pushDriverImage} did. */
export interface DriverImagePush {
  archive: string;
  /** Milliseconds spent building the archive; 0 when it was there. */
  buildMs: number;
  pushMs: number;
  bytes: number;
  /** The loopback reference pushed. */
  ref: string;
}

/**
 * Pushes the driver image (`DIRECTPV_IMAGE_ARCHIVE`, default `dist/directpv-<tag>.oci.tar`)
 * to the environment's registry under {@link DRIVER_IMAGE}, building it first with
 * `tools/image/build.sh` when the archive is missing.
 */
export async function pushDriverImage(
  env: RealEnv,
  say: (msg: string) => void,
): Promise<DriverImagePush> {
  const archive = imageArchivePath();
  let buildMs = 0;
  if (!(await pathExists(archive))) {
    say(`Building the driver image into ${archive} (tools/image/build.sh)`);
    const start = performance.now();
    // Its progress goes to stderr: the first build (debootstrap) takes minutes.
    const build = new Deno.Command("bash", {
      args: [join(REPO, "tools/image/build.sh"), "--output", archive],
      stdout: "inherit",
      stderr: "inherit",
    });
    const { code } = await build.output();
    if (code !== 0) {
      throw new Error(`Cannot build the driver image: tools/image/build.sh exited ${code}`);
    }
    buildMs = Math.round(performance.now() - start);
    say(`Driver image built in ${buildMs} ms`);
  }
  const start = performance.now();
  const ref = await pushArchive(env.cluster.binDir, env.registry, archive, DRIVER_IMAGE);
  const pushMs = Math.round(performance.now() - start);
  const bytes = (await Deno.stat(archive)).size;
  return { archive, buildMs, pushMs, bytes, ref };
}

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tools/kubectl-directpv` against the environment, with `KUBELET_DIR_PATH` set to the
 * node's kubelet directory. Throws with its output when it fails, unless `allowFailure`.
 */
export async function directpv(
  env: RealEnv,
  node: RealNode,
  args: readonly string[],
  options: { allowFailure?: boolean } = {},
): Promise<CliResult> {
  const res = await run(CLI, ["--kubeconfig", env.cluster.kubeconfigPath, ...args], {
    allowFailure: true,
    env: { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1", KUBELET_DIR_PATH: node.paths.kubeletDir },
  });
  if (res.code !== 0 && !options.allowFailure) {
    throw new Error(
      `kubectl-directpv ${args.join(" ")} exited ${res.code}: ${res.stderr}${res.stdout}`,
    );
  }
  return res;
}

/** Timings of {@link installDirectPV}. */
export interface InstallTimings {
  /** `kubectl directpv install` itself. */
  installMs: number;
  /** From the start of `install` to every DirectPV pod Running and Ready. */
  readyMs: number;
}

/**
 * `kubectl directpv install` with the real-node flags, the harness patch (host network,
 * loopback addresses, this run's host directories, the controller off the node server's host
 * ports), then waits for the node-server and controller pods.
 */
export async function installDirectPV(env: RealEnv, node: RealNode): Promise<InstallTimings> {
  const start = performance.now();
  await directpv(env, node, ["install", "--quiet", ...REAL_NODE_INSTALL_FLAGS, INSTALL_GATE_FLAG]);
  const installMs = Math.round(performance.now() - start);
  await patchInstalled(env.cluster, {
    apiserverPort: env.cluster.ports.apiserver,
    envDir: env.dir,
    hostDir: node.paths.hostDir,
    controllerPorts: freeLoopbackPorts(2) as [number, number],
  });
  await waitDirectPVPods(env);
  return { installMs, readyMs: Math.round(performance.now() - start) };
}

/** The pods in namespace `directpv`. */
export async function directpvPods(env: RealEnv): Promise<PodObject[]> {
  const out = await env.cluster.kubectl(["get", "pods", "--namespace=directpv", "--output=json"]);
  return (JSON.parse(out) as { items: PodObject[] }).items;
}

function readyPod(pod: PodObject): boolean {
  return pod.status?.phase === "Running" &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The pods namespace `directpv` runs on the one node once install is patched. */
const WORKLOAD_PODS = 3;

/**
 * Waits until namespace `directpv` runs exactly one node-server, one controller and one
 * snapshot-controller pod, all of the patched templates (host network), Running and Ready.
 */
export async function waitDirectPVPods(env: RealEnv, timeoutMs = 180_000): Promise<PodObject[]> {
  let last: PodObject[] = [];
  try {
    return await waitFor(async () => {
      last = await directpvPods(env);
      const live = last.filter((p) =>
        !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp
      );
      const ok = live.length === WORKLOAD_PODS &&
        live.every((p) =>
          readyPod(p) && (p.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork === true
        );
      return ok ? live : undefined;
    }, { timeoutMs, intervalMs: 500, description: "the DirectPV pods to be Ready" });
  } catch (err) {
    const states = last.map((p) => `${p.metadata.name}: ${describePod(p)}`).join("\n  ");
    throw new Error(`${err instanceof Error ? err.message : err}; pods:\n  ${states || "none"}`);
  }
}
