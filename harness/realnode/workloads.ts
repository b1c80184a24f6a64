/**
 * Workloads on DirectPV volumes for the real-node scenarios and the sandbox: a StatefulSet
 * whose pods each write a file and its checksum on their volume, a single PVC and pod, reading
 * objects as JSON and waiting on them, and what a pod's volume holds (read through containerd).
 */
import { waitFor } from "../lib/mod.ts";
import {
  execInContainer,
  getPod,
  type PodObject,
  type RealEnv,
  type RealNode,
  shellPod,
} from "../node/mod.ts";

/** The storage class `install` creates. */
export const STORAGE_CLASS = "directpv-min-io";

/**
 * The script of a pod that keeps data on `/data`: on its first start it writes 1 MiB of random
 * bytes to `/data/file` and their SHA-256 to `/data/sum`; every start it says what it found.
 */
export const WRITER_SCRIPT = "set -e; if [ ! -f /data/file ]; then " +
  "head -c 1048576 /dev/urandom >/data/file; sha256sum /data/file >/data/sum; " +
  'echo "wrote $(cat /data/sum)"; else echo "found $(cat /data/sum)"; fi; exec sleep 86400';

/** Ready once `/data/sum` exists. */
const WRITER_READY = { exec: { command: ["cat", "/data/sum"] }, periodSeconds: 1 };

/** Reads an object (or a list) with kubectl as JSON. */
// deno-lint-ignore no-explicit-any
export async function getJson(env: RealEnv, args: readonly string[]): Promise<any> {
  return JSON.parse(await env.cluster.kubectl(["get", ...args, "--output=json"]));
}

/** Polls `read` until `done` holds for its value; the value last seen goes into the error. */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(async () => {
      last = await read();
      return done(last) ? last : undefined;
    }, { timeoutMs, intervalMs: 500, description: what });
  } catch (err) {
    const seen = JSON.stringify(last)?.slice(0, 600);
    throw new Error(`${err instanceof Error ? err.message : err}; last seen: ${seen}`);
  }
}

/** What a writer pod runs: its script and when it is Ready. */
export interface WriterScript {
  script?: string;
  readinessProbe?: Record<string, unknown>;
}

/** The pod spec of a writer mounting claim volume `data` (patched for this machine). */
function writerPodSpec(
  env: RealEnv,
  name: string,
  writer: WriterScript = {},
): Record<string, unknown> {
  const pod = shellPod(env, {
    name,
    script: writer.script ?? WRITER_SCRIPT,
    container: {
      volumeMounts: [{ name: "data", mountPath: "/data" }],
      readinessProbe: writer.readinessProbe ?? WRITER_READY,
    },
  }) as { spec: Record<string, unknown> };
  return pod.spec;
}

/** A StatefulSet of writers with a `data` volume claim template of `size` on DirectPV. */
export function writerStatefulSet(
  env: RealEnv,
  options: { name: string; replicas: number; size: string },
): Record<string, unknown> {
  const labels = { app: options.name };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: options.name, namespace: "default" },
    spec: {
      serviceName: options.name,
      replicas: options.replicas,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: writerPodSpec(env, options.name) },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: STORAGE_CLASS,
          resources: { requests: { storage: options.size } },
        },
      }],
    },
  };
}

/** A PVC on DirectPV and a writer pod using it, both named `name`. */
export function writerPodWithClaim(
  env: RealEnv,
  options: { name: string; size: string } & WriterScript,
): Record<string, unknown>[] {
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: options.name, namespace: "default" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: STORAGE_CLASS,
      resources: { requests: { storage: options.size } },
    },
  };
  const spec = writerPodSpec(env, options.name, options);
  spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName: options.name } }];
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: options.name }, spec };
  return [claim, pod];
}

/** What a writer pod's volume holds: the recorded sum and the sum of the file now. */
export interface WriterData {
  recorded: string;
  actual: string;
}

/** Reads `/data/sum` and the checksum of `/data/file` inside the pod's container. */
export async function writerData(node: RealNode, pod: PodObject): Promise<WriterData> {
  const recorded = (await execInContainer(node, pod, "main", ["cat", "/data/sum"])).trim();
  const actual = (await execInContainer(node, pod, "main", ["sha256sum", "/data/file"])).trim();
  return { recorded, actual };
}

/** The pod, which must exist. */
export async function mustGetPod(env: RealEnv, name: string): Promise<PodObject> {
  const pod = await getPod(env.cluster, "default", name);
  if (!pod) throw new Error(`Pod "default/${name}" does not exist`);
  return pod;
}

/** Restart counts of a pod's containers, by name. */
export function restartCounts(pod: PodObject): Record<string, number> {
  return Object.fromEntries(
    (pod.status?.containerStatuses ?? []).map((c) => [c.name, c.restartCount]),
  );
}

/** Deletes objects by kind and name in `default`, without waiting. */
export async function deleteQuietly(env: RealEnv, kind: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await env.cluster.kubectl([
    "delete",
    kind,
    ...names,
    "--namespace=default",
    "--ignore-not-found",
    "--wait=false",
  ]);
}
