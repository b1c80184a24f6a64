/**
 * The patch the harness applies to what `kubectl directpv install` creates, for what this
 * machine forces on pods (docs/real-node.md): the product's defaults stay as users get them.
 *
 * - `hostNetwork: true` (dnsPolicy `ClusterFirstWithHostNet`): the node has no address, so
 *   there is no pod network; host-network pods run.
 * - `KUBERNETES_SERVICE_HOST=127.0.0.1`, `KUBERNETES_SERVICE_PORT=<apiserver port>` in every
 *   container: the Service address the kubelet would inject is routed nowhere.
 * - The driver's containers (`node-server`, `node-controller`, `controller`) listen on
 *   127.0.0.1 only (`--listen-address`), and HTTP probes go to 127.0.0.1: on the host network
 *   they would otherwise listen on the machine's addresses, and test traffic stays on loopback.
 * - The node containers get `--loop-backing-dir=<env>/nodes/$(KUBE_NODE_NAME)/disks`, so the
 *   node server sees only the loop devices of its own node of this run.
 *
 * `--allow-loop-devices` and `--quota=best-effort` are install flags ({@link REAL_NODE_INSTALL_FLAGS}).
 */
import type { Cluster } from "../cluster/mod.ts";

/** The install flags a real node of this machine needs (loop devices, no XFS quota). */
export const REAL_NODE_INSTALL_FLAGS = ["--allow-loop-devices", "--quota=best-effort"];

/** The objects of `install` that run pods, by kind and name in namespace `directpv`. */
export const PATCHED_WORKLOADS = [
  { kind: "daemonset", name: "node-server" },
  { kind: "deployment", name: "controller" },
] as const;

const DRIVER_ROLES = ["node-server", "node-controller", "controller"];
const NODE_ROLES = ["node-server", "node-controller"];

/** What the patch depends on. */
export interface RealNodePatchOptions {
  apiserverPort: number;
  /** The environment's directory; node `N` keeps its loop backing files in `<dir>/nodes/N/disks`. */
  envDir: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

interface Probe {
  httpGet?: { host?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  [key: string]: unknown;
}

/** The parts of a PodSpec the patch changes. */
export interface PatchablePodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  containers: Container[];
  initContainers?: Container[];
  [key: string]: unknown;
}

function withEnv(env: EnvVar[] | undefined, add: EnvVar[]): EnvVar[] {
  const names = new Set(add.map((e) => e.name));
  return [...(env ?? []).filter((e) => !names.has(e.name)), ...add];
}

function loopbackProbe(probe: Probe | undefined): Probe | undefined {
  if (!probe?.httpGet) return probe;
  return { ...probe, httpGet: { ...probe.httpGet, host: "127.0.0.1" } };
}

function withFlag(args: string[], flag: string, value: string): string[] {
  return [...args.filter((a) => !a.startsWith(`${flag}=`)), `${flag}=${value}`];
}

function patchContainer(c: Container, options: RealNodePatchOptions): Container {
  const out: Container = {
    ...c,
    env: withEnv(c.env, [
      { name: "KUBERNETES_SERVICE_HOST", value: "127.0.0.1" },
      { name: "KUBERNETES_SERVICE_PORT", value: String(options.apiserverPort) },
    ]),
  };
  const role = c.args?.[0] ?? "";
  if (!DRIVER_ROLES.includes(role)) return out;
  let args = withFlag(c.args ?? [], "--listen-address", "127.0.0.1");
  if (NODE_ROLES.includes(role)) {
    args = withFlag(args, "--loop-backing-dir", `${options.envDir}/nodes/$(KUBE_NODE_NAME)/disks`);
  }
  out.args = args;
  for (const key of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
    const probe = loopbackProbe(c[key]);
    if (probe) out[key] = probe;
  }
  return out;
}

/** The pod spec with the real-node patch applied (the input is left alone). */
export function patchPodSpec(
  spec: PatchablePodSpec,
  options: RealNodePatchOptions,
): PatchablePodSpec {
  const out: PatchablePodSpec = {
    ...structuredClone(spec),
    hostNetwork: true,
    dnsPolicy: "ClusterFirstWithHostNet",
    containers: spec.containers.map((c) => patchContainer(c, options)),
  };
  if (spec.initContainers) {
    out.initContainers = spec.initContainers.map((c) => patchContainer(c, options));
  }
  return out;
}

/**
 * Applies the patch to the installed node-server DaemonSet and controller Deployment (a JSON
 * patch replacing each pod template's spec). Returns the names patched.
 */
export async function patchInstalled(
  cluster: Cluster,
  options: RealNodePatchOptions,
): Promise<string[]> {
  const patched: string[] = [];
  for (const { kind, name } of PATCHED_WORKLOADS) {
    const ref = [`${kind}/${name}`, "--namespace=directpv"];
    const object = JSON.parse(await cluster.kubectl(["get", ...ref, "--output=json"])) as {
      spec: { template: { spec: PatchablePodSpec } };
    };
    const value = patchPodSpec(object.spec.template.spec, options);
    const ops = [{ op: "replace", path: "/spec/template/spec", value }];
    await cluster.kubectl(["patch", ...ref, "--type=json", `--patch=${JSON.stringify(ops)}`]);
    patched.push(`${kind}/${name}`);
  }
  return patched;
}
