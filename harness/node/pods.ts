/**
 * Helpers for scenarios with real pods: a pod with what this machine forces on every pod (host
 * network, the API server's loopback address in the environment), waiting for a pod's phase or
 * readiness with a message that says why not, reading a container's log from the kubelet's
 * pod log directory (the kubelet serves on loopback only, so `kubectl logs` through the API
 * server cannot reach it), and running a command in a container through the node's containerd.
 */
import { DeadlineExceededError, FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { Cluster } from "../cluster/mod.ts";
import { waitFor } from "../lib/mod.ts";
import type { RealEnv } from "./env.ts";
import type { RealNode } from "./node.ts";
import { BUSYBOX_IMAGE } from "./images.ts";
import { patchPodSpec } from "./patch.ts";

/** The parts of a Pod the helpers read. */
export interface PodObject {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state?: Record<string, { reason?: string; message?: string; exitCode?: number }>;
}

/** Applies objects (JSON) with kubectl. */
export async function applyObjects(cluster: Cluster, ...objects: unknown[]): Promise<void> {
  const list = { apiVersion: "v1", kind: "List", items: objects };
  await cluster.kubectl(["apply", "-f", "-"], { stdin: JSON.stringify(list) });
}

/** Reads a pod, or undefined when it does not exist. */
export async function getPod(
  cluster: Cluster,
  namespace: string,
  name: string,
): Promise<PodObject | undefined> {
  const out = await cluster.kubectl([
    "get",
    "pod",
    name,
    `--namespace=${namespace}`,
    "--ignore-not-found",
    "--output=json",
  ]);
  return out.trim() === "" ? undefined : JSON.parse(out) as PodObject;
}

/** One line on why a pod is where it is: phase, conditions not true, container states. */
export function describePod(pod: PodObject | undefined): string {
  if (!pod) return "the pod does not exist";
  const parts = [`phase ${pod.status?.phase ?? "unknown"}`];
  if (pod.spec?.nodeName) parts.push(`on node "${pod.spec.nodeName}"`);
  for (const c of pod.status?.conditions ?? []) {
    if (c.status !== "True") parts.push(`${c.type}: ${c.reason ?? c.status} ${c.message ?? ""}`);
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    const [state, info] = Object.entries(c.state ?? {})[0] ?? ["unknown", {}];
    const detail = [info.reason, info.message, info.exitCode].filter((x) => x !== undefined);
    parts.push(`container "${c.name}" ${state}${detail.length ? ` (${detail.join(", ")})` : ""}`);
  }
  return parts.join("; ");
}

/** What {@link waitPod} waits for. */
export interface WaitPodOptions {
  /** `Running`, `Succeeded` (default `Running`). */
  phase?: "Running" | "Succeeded";
  /** Also wait for the Ready condition. */
  ready?: boolean;
  timeoutMs?: number;
}

/**
 * Waits for a pod's phase (and readiness). A pod that fails or reaches `Succeeded` while
 * `Running` is awaited ends the wait at once.
 *
 * @throws {DeadlineExceededError} with {@link describePod} of the last state seen
 * @throws {FailedPreconditionError} when the pod ended in another phase
 */
export async function waitPod(
  cluster: Cluster,
  namespace: string,
  name: string,
  options: WaitPodOptions = {},
): Promise<PodObject> {
  const phase = options.phase ?? "Running";
  const timeoutMs = options.timeoutMs ?? 120_000;
  let last: PodObject | undefined;
  try {
    return await waitFor(async () => {
      last = await getPod(cluster, namespace, name);
      const now = last?.status?.phase;
      if (now === "Failed" || (phase === "Running" && now === "Succeeded")) {
        throw new FailedPreconditionError(`Pod "${namespace}/${name}": ${describePod(last)}`);
      }
      const ready = last?.status?.conditions?.some((c) =>
        c.type === "Ready" && c.status === "True"
      );
      return now === phase && (!options.ready || ready) ? last : undefined;
    }, {
      timeoutMs,
      intervalMs: 250,
      description: `pod "${namespace}/${name}"`,
      fatal: (err) => err instanceof FailedPreconditionError,
    });
  } catch (err) {
    if (!(err instanceof DeadlineExceededError)) throw err;
    const want = `${phase}${options.ready ? " and Ready" : ""}`;
    throw new DeadlineExceededError(
      `Pod "${namespace}/${name}" is not ${want} after ${timeoutMs} ms: ${describePod(last)}`,
    );
  }
}

/**
 * The text a container wrote (stdout and stderr, in order), from the kubelet's pod log
 * directory: `<namespace>_<pod>_<uid>/<container>/<restart>.log` in the CRI log format
 * (`<time> <stream> <P|F> <text>`, P for a partial line). `restart` defaults to the latest.
 *
 * @throws {NotFound} when the pod or container has no log on this node
 */
export async function containerLog(
  node: RealNode,
  pod: PodObject,
  container: string,
  restart?: number,
): Promise<string> {
  const ns = pod.metadata.namespace ?? "default";
  const dir =
    `${node.paths.podLogsDir}/${ns}_${pod.metadata.name}_${pod.metadata.uid}/${container}`;
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
    .filter((n) => /^\d+\.log$/.test(n)).sort((a, b) => parseInt(a) - parseInt(b));
  const file = restart === undefined ? names[names.length - 1] : `${restart}.log`;
  if (!file) throw new Deno.errors.NotFound(`No log of container "${container}" in "${dir}"`);
  return parseCriLog(await Deno.readTextFile(`${dir}/${file}`));
}

/** The text of CRI-format log lines. */
export function parseCriLog(text: string): string {
  let out = "";
  for (const line of text.split("\n")) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(line);
    if (m) out += m[1] === "P" ? m[2] : `${m[2]}\n`;
  }
  return out;
}

/**
 * Runs a command in a running container of a pod on `node` (through containerd, as
 * `kubectl exec` would through the kubelet) and returns its stdout.
 *
 * @throws {FailedPreconditionError} when the container is not running
 * @throws {CommandError} when the command fails
 */
export async function execInContainer(
  node: RealNode,
  pod: PodObject,
  container: string,
  command: readonly string[],
): Promise<string> {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  const id = status?.containerID?.replace(/^containerd:\/\//, "");
  if (!id || !status?.state?.running) {
    throw new FailedPreconditionError(
      `Cannot exec in container "${container}" of pod "${pod.metadata.name}": it is not running`,
    );
  }
  const execId = `harness-${crypto.randomUUID().slice(0, 8)}`;
  return await node.ctr(["tasks", "exec", "--exec-id", execId, id, ...command]);
}

/** A container of {@link realNodePod}. */
export interface TestContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; [key: string]: unknown }[];
  /** Raw block devices from claims of `volumeMode: Block`. */
  volumeDevices?: { name: string; devicePath: string }[];
  readinessProbe?: Record<string, unknown>;
}

/** What {@link realNodePod} builds. */
export interface TestPodSpec {
  name: string;
  namespace?: string;
  containers: TestContainer[];
  volumes?: { name: string; [key: string]: unknown }[];
  serviceAccountName?: string;
  restartPolicy?: "Always" | "OnFailure" | "Never";
  nodeName?: string;
  labels?: Record<string, string>;
}

/**
 * A Pod for this machine's real nodes: the spec given, with the real-node patch of
 * {@link patchPodSpec} (host network, the API server's loopback address in the environment)
 * and no grace period, so that deleting it is quick.
 */
export function realNodePod(env: RealEnv, spec: TestPodSpec): Record<string, unknown> {
  const podSpec = patchPodSpec({
    containers: spec.containers.map((c) => ({ ...c })),
    ...(spec.volumes ? { volumes: spec.volumes } : {}),
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    restartPolicy: spec.restartPolicy ?? "Always",
    terminationGracePeriodSeconds: 0,
  }, { apiserverPort: env.cluster.ports.apiserver, envDir: env.dir });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? "default",
      labels: spec.labels ?? {},
    },
    spec: podSpec,
  };
}

/** What {@link shellPod} builds: a {@link TestPodSpec} whose one container runs a script. */
export interface ShellPodSpec extends Omit<TestPodSpec, "containers"> {
  /** Run by busybox `sh -c`. */
  script: string;
  /** More of the container (`main`): securityContext, volumeMounts, readinessProbe. */
  container?: Omit<TestContainer, "name" | "image" | "command">;
}

/** A busybox pod whose container `main` runs `script` (see {@link realNodePod}). */
export function shellPod(env: RealEnv, spec: ShellPodSpec): Record<string, unknown> {
  const { script, container, ...pod } = spec;
  return realNodePod(env, {
    ...pod,
    containers: [{
      name: "main",
      image: BUSYBOX_IMAGE,
      command: ["sh", "-c", script],
      ...container,
    }],
  });
}
