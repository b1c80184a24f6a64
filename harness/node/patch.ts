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
 * - With `hostDir`, the host directories of the node server that are the machine's own
 *   (`/var/lib/directpv`, `/var/lib/direct-csi`, `/run/udev/data`) are directories of this run
 *   under `hostDir` (a shared mount, so Bidirectional propagation works); the node containers
 *   mount the app directory at its host path and run with `--app-dir` there, so that the drive
 *   mounts have the same path in the container and on the host (the node server reads the
 *   host's mount table too, with `hostPID`); `/sys` and `/dev`
 *   are mounted with propagation `None`: here they are private mounts, from which the kubelet
 *   refuses Bidirectional and HostToContainer. New loop devices still show, as the container
 *   sees the host's devtmpfs and sysfs themselves.
 * - Readiness probes start after 1 s and run every 2 s instead of 60 s and 10 s, so tests do
 *   not wait a minute for each pod to be Ready; what they probe is unchanged.
 * - With `controllerPorts`, the controller listens on those ports (readiness, healthz) and
 *   runs one replica: on the host network its ports are host ports, which the node server on
 *   the same node already holds, and three replicas on one node would collide too.
 *
 * - The node selector loses {@link INSTALL_GATE_LABEL}, which held the pods back until now.
 *
 * `--allow-loop-devices` and `--quota=best-effort` are install flags ({@link REAL_NODE_INSTALL_FLAGS}).
 */
import type { Cluster } from "../cluster/mod.ts";

/** The install flags a real node of this machine needs (loop devices, no XFS quota). */
export const REAL_NODE_INSTALL_FLAGS = ["--allow-loop-devices", "--quota=best-effort"];

/**
 * A node label no node has, given to `install --node-selector` so that no pod of the
 * unpatched DaemonSet starts (it would create the machine's own `/var/lib/directpv`); the
 * patch removes it from the node selector.
 */
export const INSTALL_GATE_LABEL = "harness.directpv.io/patched";
export const INSTALL_GATE_FLAG = `--node-selector=${INSTALL_GATE_LABEL}=true`;

/** The objects of `install` that run pods, by kind and name in namespace `directpv`. */
export const PATCHED_WORKLOADS = [
  { kind: "daemonset", name: "node-server" },
  { kind: "deployment", name: "controller" },
  // Added by install because the harness's cluster has no snapshot controller of its own.
  { kind: "deployment", name: "snapshot-controller" },
] as const;

const DRIVER_ROLES = ["node-server", "node-controller", "controller"];
const NODE_ROLES = ["node-server", "node-controller"];

/** What the patch depends on. */
export interface RealNodePatchOptions {
  apiserverPort: number;
  /** The environment's directory; node `N` keeps its loop backing files in `<dir>/nodes/N/disks`. */
  envDir: string;
  /** A shared-mount directory holding the node server's host directories of this run. */
  hostDir?: string;
  /** The controller's readiness and healthz ports (and one replica). */
  controllerPorts?: readonly [number, number];
}

/** The node server's host directories that are redirected under `hostDir`, by volume name. */
export const REDIRECTED_HOST_DIRS: Record<string, string> = {
  "directpv-common-root": "/var/lib/directpv/",
  "direct-csi-common-root": "/var/lib/direct-csi/",
  "run-udev-data-dir": "/run/udev/data",
};

/** The node server's app directory (its drive mounts), and its volume. */
const APP_ROOT = "/var/lib/directpv";
const APP_ROOT_VOLUME = "directpv-common-root";

/** Volumes of the machine's private mounts, mounted without propagation. */
const PRIVATE_HOST_VOLUMES = ["sysfs", "devfs"];

const READINESS_TIMING = { initialDelaySeconds: 1, periodSeconds: 2 };

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

interface Probe {
  httpGet?: { host?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Mount {
  name: string;
  mountPropagation?: string;
  [key: string]: unknown;
}

interface Port {
  name?: string;
  containerPort: number;
  [key: string]: unknown;
}

interface Volume {
  name: string;
  hostPath?: { path: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: Mount[];
  ports?: Port[];
  [key: string]: unknown;
}

/** The parts of a PodSpec the patch changes. */
export interface PatchablePodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
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
  const hostDir = options.hostDir;
  if (hostDir && c.volumeMounts) {
    out.volumeMounts = c.volumeMounts.map((m) => patchMount(m, hostDir));
  }
  const role = c.args?.[0] ?? "";
  if (!DRIVER_ROLES.includes(role)) return out;
  let args = withFlag(c.args ?? [], "--listen-address", "127.0.0.1");
  if (NODE_ROLES.includes(role)) {
    args = withFlag(args, "--loop-backing-dir", `${options.envDir}/nodes/$(KUBE_NODE_NAME)/disks`);
    if (hostDir) args = withFlag(args, "--app-dir", `${hostDir}${APP_ROOT}`);
  }
  if (role === "controller" && options.controllerPorts) {
    const [readiness, healthz] = options.controllerPorts;
    args = withFlag(args, "--readiness-port", String(readiness));
    out.ports = (c.ports ?? []).map((p) => ({
      ...p,
      containerPort: p.name === "healthz" ? healthz : readiness,
    }));
  }
  out.args = args;
  for (const key of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
    const probe = loopbackProbe(c[key]);
    if (probe) out[key] = key === "readinessProbe" ? { ...probe, ...READINESS_TIMING } : probe;
  }
  return out;
}

function patchMount(m: Mount, hostDir: string): Mount {
  if (PRIVATE_HOST_VOLUMES.includes(m.name)) return { ...m, mountPropagation: "None" };
  if (m.name === APP_ROOT_VOLUME) return { ...m, mountPath: `${hostDir}${APP_ROOT}/` };
  return m;
}

function patchVolume(v: Volume, hostDir: string): Volume {
  const path = REDIRECTED_HOST_DIRS[v.name];
  if (!path || !v.hostPath) return v;
  return { ...v, hostPath: { ...v.hostPath, path: `${hostDir}${path}` } };
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
  const hostDir = options.hostDir;
  if (hostDir && spec.volumes) out.volumes = spec.volumes.map((v) => patchVolume(v, hostDir));
  const selector = { ...(spec.nodeSelector as Record<string, string> | undefined) };
  delete selector[INSTALL_GATE_LABEL];
  if (Object.keys(selector).length > 0) out.nodeSelector = selector;
  else delete out.nodeSelector;
  return out;
}

/**
 * Applies the patch to the installed node-server DaemonSet and the controller and snapshot
 * controller Deployments (a JSON patch replacing each pod template's spec). Returns the names
 * patched.
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
    const ops: unknown[] = [{ op: "replace", path: "/spec/template/spec", value }];
    if (kind === "deployment" && options.controllerPorts) {
      ops.push({ op: "replace", path: "/spec/replicas", value: 1 });
    }
    await cluster.kubectl(["patch", ...ref, "--type=json", `--patch=${JSON.stringify(ops)}`]);
    patched.push(`${kind}/${name}`);
  }
  return patched;
}
