// DirectPV on a real node, as a user runs it: the real `kubectl directpv install` with our
// image from the loopback registry, drives discovered and initialized by the node server in its
// container, a StatefulSet scheduled by kube-scheduler on DirectPV volumes, online expansion,
// node-server and kubelet restarts, a repair Job, uninstall and install with volumes in use, and
// deleting the workload freeing the drives. Steps build on each other; the first failure ends
// the scenario (the environment is stopped by harness/realnode/run.ts either way).
import assert from "node:assert/strict";
import { createLoopDrives, mountsUnder } from "../loop/mod.ts";
import { run } from "../lib/mod.ts";
import {
  applyObjects,
  containerLog,
  loopbackRef,
  type RealEnv,
  type RealNode,
  waitPod,
} from "../node/mod.ts";
import { realNodeTest } from "./scenario.ts";
import { snapshotStep } from "./snapshot_step.ts";
import { blockStep } from "./block_step.ts";
import {
  directpv,
  directpvPods,
  DRIVER_IMAGE,
  installDirectPV,
  waitDirectPVPods,
} from "./directpv.ts";
import {
  deleteQuietly,
  getJson,
  mustGetPod,
  restartCounts,
  waitUntil,
  writerData,
  writerPodWithClaim,
  writerStatefulSet,
} from "./workloads.ts";

const MiB = 1024 * 1024;
const DRIVES = [
  { name: "disk-a", size: "1GiB" },
  { name: "disk-b", size: "1GiB" },
  { name: "disk-c", size: "1GiB" },
];

function say(line: string): void {
  console.error(`[realnode] ${line}`);
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function drives(env: RealEnv): Promise<Json[]> {
  return (await getJson(env, ["directpvdrives"])).items;
}

/** The shared state the steps pass on. */
interface Scenario {
  env: RealEnv;
  node: RealNode;
  /** Checksums each StatefulSet pod recorded, by pod name. */
  sums: Record<string, string>;
  /** The drive kept free of volumes (cordoned) for the repair. */
  spareDrive?: string;
  /** Free capacity of each drive right after init, by drive ID. */
  initialFree: Record<string, number>;
}

async function installStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const timings = await installDirectPV(env, node);
  say(`install: CLI ${timings.installMs} ms, pods Running and Ready ${timings.readyMs} ms after`);
  const digest = (await run(`${env.cluster.binDir}/crane`, [
    "digest",
    "--insecure",
    loopbackRef(env.registry.port, DRIVER_IMAGE),
  ])).stdout.trim();
  const pods = await directpvPods(env);
  const containers = pods.flatMap((p) =>
    (p.status?.containerStatuses ?? []).map((c) => ({ pod: p, ...c }))
  );
  const names = containers.map((c) => c.name).sort();
  // install's default: the node server runs the node controllers in its own process.
  assert.deepEqual(names, [
    "controller",
    "csi-provisioner",
    "csi-resizer",
    "csi-snapshotter",
    "node-server",
    "snapshot-controller",
  ]);
  for (const c of containers) {
    assert.ok(c.ready, `container ${c.name} is ready`);
    assert.equal(c.pod.spec?.nodeName, node.name);
  }
  for (const c of containers.filter((c) => c.name.startsWith("node-") || c.name === "controller")) {
    const status = c as unknown as { image: string; imageID: string };
    assert.equal(status.image, DRIVER_IMAGE, `${c.name} runs our image`);
    assert.ok(status.imageID.endsWith(digest), `${c.name} runs the image built here (${digest})`);
  }
  const csiNode = await waitUntil(
    "the CSINode to list directpv-min-io",
    () => getJson(env, ["csinode", node.name]),
    (n) => (n.spec?.drivers ?? []).some((d: Json) => d.name === "directpv-min-io"),
    60_000,
  );
  const driver = csiNode.spec.drivers.find((d: Json) => d.name === "directpv-min-io");
  assert.equal(driver.nodeID, node.name);
  const labels = (await getJson(env, ["node", node.name])).metadata.labels;
  assert.equal(labels["directpv.min.io/node"], node.name, "the kubelet labels the topology");
  const info = await directpv(env, node, ["info"]);
  assert.match(info.stdout, new RegExp(`\\b${node.name}\\b`), "info shows the node");
}

/** The last lines of the node-server container's log, for a failure message. */
async function nodeServerLogTail(s: Scenario): Promise<string> {
  const server = (await directpvPods(s.env)).find((p) => p.metadata.name.startsWith("node-server"));
  if (!server) return "(no node-server pod)";
  const log = await containerLog(s.node, server, "node-server").catch((e) => String(e));
  return log.trim().split("\n").slice(-30).join("\n");
}

async function drivesStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const loops = await createLoopDrives(DRIVES, { dir: node.paths.loopDir });
  const file = `${node.paths.dir}/drives.yaml`;
  await directpv(env, node, ["discover", "--quiet", "--output-file", file]).catch(async (err) => {
    throw new Error(`${err}\nnode-server log:\n${await nodeServerLogTail(s)}`);
  });
  const listed = await Deno.readTextFile(file);
  for (const loop of loops) {
    assert.match(listed, new RegExp(`${loop.device.replace("/dev/", "")}\\b`), "discover lists it");
  }
  await directpv(env, node, ["init", "--quiet", "--dangerous", file]);
  const ready = await waitUntil(
    "the three drives to be Ready",
    () => drives(env),
    (all) => all.length === 3 && all.every((d) => d.status?.status === "Ready"),
  );
  for (const d of ready) s.initialFree[d.metadata.name] = d.status.freeCapacity;
  const server = (await directpvPods(env)).find((p) => p.metadata.name.startsWith("node-server"));
  assert.ok(server, "a node-server pod runs");
  const logs = await containerLog(node, server, "node-server");
  assert.match(logs, /Node controllers synced/, "the node controllers run in the node server");
  for (const loop of loops) {
    const line = new RegExp(`Drive initialised.*"${loopName(loop.device)}"`);
    assert.match(logs, line, `the node-server pod formatted and mounted ${loop.device}`);
  }
  const mounted = await mountsUnder(`${node.paths.hostDir}/var/lib/directpv/mnt`);
  assert.equal(mounted.length, 3, "the node server's XFS mounts reach the host");
  const spare = ready.find((d) =>
    d.metadata.labels?.["directpv.min.io/drive-name"] === loopName(loops[2]?.device)
  );
  assert.ok(spare, "the third drive is known by its device name");
  s.spareDrive = spare.metadata.name;
  await directpv(env, node, ["cordon", s.spareDrive as string]);
}

function loopName(device: string | undefined): string {
  return (device ?? "").replace("/dev/", "");
}

async function statefulSetStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const start = performance.now();
  await applyObjects(
    env.cluster,
    writerStatefulSet(env, { name: "web", replicas: 2, size: "64Mi" }),
  );
  for (const name of ["web-0", "web-1"]) {
    const pod = await waitPod(env.cluster, "default", name, { ready: true, timeoutMs: 180_000 });
    say(
      `StatefulSet created to ${name} Running and Ready: ${
        Math.round(performance.now() - start)
      } ms`,
    );
    assert.equal(pod.spec?.nodeName, node.name, "kube-scheduler placed it");
    const data = await writerData(node, pod);
    assert.equal(data.actual, data.recorded, `${name} reads back what it wrote`);
    s.sums[name] = data.recorded;
  }
  const pvs = await getJson(env, ["pv"]);
  assert.equal(pvs.items.length, 2);
  for (const pv of pvs.items) {
    assert.equal(pv.spec.csi.driver, "directpv-min-io");
    const terms = pv.spec.nodeAffinity.required.nodeSelectorTerms;
    assert.ok(JSON.stringify(terms).includes(node.name), "the volume is pinned to the node");
  }
  const old = await mustGetPod(env, "web-0");
  await env.cluster.kubectl(["delete", "pod", "web-0", "--wait=false"]);
  const back = await waitUntil(
    "web-0 to come back",
    () => mustGetPod(env, "web-0").catch(() => old),
    (p) =>
      p.metadata.uid !== old.metadata.uid &&
      (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  );
  const data = await writerData(node, back);
  assert.equal(data.recorded, s.sums["web-0"], "the same volume, the same checksum");
  assert.equal(data.actual, s.sums["web-0"]);
}

async function expandStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const pvcName = "data-web-0";
  const volume = (await getJson(env, ["pvc", pvcName])).spec.volumeName as string;
  const patch = JSON.stringify({ spec: { resources: { requests: { storage: "128Mi" } } } });
  await env.cluster.kubectl(["patch", "pvc", pvcName, "--type=merge", `--patch=${patch}`]);
  await waitUntil(
    "the PV to be 128Mi",
    () => getJson(env, ["pv", volume]),
    (pv) => pv.spec.capacity.storage === "128Mi",
  );
  await waitUntil(
    "the DirectPVVolume to be 128 MiB",
    () => getJson(env, ["directpvvolumes", volume]),
    (v) => v.status?.totalCapacity === 128 * MiB,
  );
  // The kubelet expands the published volume on the node (NodeExpandVolume) and then records
  // the new capacity in the claim's status, and says so in an event of the pod.
  await waitUntil(
    "the claim's status to be 128Mi",
    () => getJson(env, ["pvc", pvcName]),
    (pvc) =>
      pvc.status?.capacity?.storage === "128Mi" &&
      !(pvc.status?.conditions ?? []).some((c: Json) => c.type === "FileSystemResizePending"),
  );
  const events = await waitUntil(
    "the kubelet's FileSystemResizeSuccessful event",
    () => getJson(env, ["events", "--field-selector=reason=FileSystemResizeSuccessful"]),
    (list) => list.items.some((e: Json) => e.involvedObject.name === "web-0"),
  );
  const event = events.items.find((e: Json) => e.involvedObject.name === "web-0");
  assert.equal(event.source?.component ?? event.reportingComponent, "kubelet");
  const pod = await mustGetPod(env, "web-0");
  const data = await writerData(node, pod);
  assert.equal(data.actual, s.sums["web-0"], "the pod keeps its data through the expansion");
  assert.deepEqual(restartCounts(pod), { main: 0 });
}

async function restartStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const before = await Promise.all(["web-0", "web-1"].map((n) => mustGetPod(env, n)));
  const server = (await directpvPods(env)).find((p) => p.metadata.name.startsWith("node-server"));
  assert.ok(server, "a node-server pod runs");
  await env.cluster.kubectl([
    "delete",
    "pod",
    server.metadata.name,
    "--namespace=directpv",
    "--wait=false",
  ]);
  const restartMs = await node.restartKubelet();
  say(`kubelet restarted and the Node Ready again in ${restartMs} ms`);
  const pods = await waitDirectPVPods(env);
  assert.ok(!pods.some((p) => p.metadata.uid === server.metadata.uid), "a new node-server pod");
  for (const old of before) {
    const pod = await mustGetPod(env, old.metadata.name);
    assert.equal(pod.metadata.uid, old.metadata.uid, `${old.metadata.name} kept running`);
    assert.deepEqual(restartCounts(pod), { main: 0 });
    assert.equal((await writerData(node, pod)).actual, s.sums[old.metadata.name]);
  }
  const start = performance.now();
  await applyObjects(
    env.cluster,
    ...writerPodWithClaim(env, { name: "after-restart", size: "32Mi" }),
  );
  const pod = await waitPod(env.cluster, "default", "after-restart", {
    ready: true,
    timeoutMs: 180_000,
  });
  say(`PVC created to its pod Running and Ready: ${Math.round(performance.now() - start)} ms`);
  const data = await writerData(node, pod);
  assert.equal(data.actual, data.recorded, "a new pod mounts and writes after the restarts");
}

async function repairStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const drive = s.spareDrive as string;
  await directpv(env, node, ["repair", drive]);
  const job = await waitUntil(
    `Job repair-${drive} to complete`,
    () =>
      getJson(env, [
        "job",
        `repair-${drive}`,
        "--namespace=directpv",
      ]),
    (j) => (j.status?.succeeded ?? 0) >= 1 || (j.status?.failed ?? 0) >= 1,
    180_000,
  );
  const pods =
    (await getJson(env, ["pods", "--namespace=directpv", `--selector=job-name=repair-${drive}`]))
      .items;
  const states = pods.map((p: Json) => JSON.stringify(p.status?.containerStatuses?.[0]?.state));
  assert.equal(job.status?.succeeded, 1, `the repair Job succeeded: ${states.join("; ")}`);
  assert.equal(pods[0]?.spec?.nodeName, node.name, "its pod ran on the drive's node");
  const args: string[] = job.spec.template.spec.containers[0].args;
  assert.ok(args.includes("--allow-loop-devices") && args.includes("--quota=best-effort"));
  await waitUntil(
    "the repaired drive to be Ready",
    () => getJson(env, ["directpvdrives", drive]),
    (d) => d.status?.status === "Ready",
  );
  await directpv(env, node, ["uncordon", drive]);
}

async function upgradeStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  const before = await Promise.all(["web-0", "web-1"].map((n) => mustGetPod(env, n)));
  await directpv(env, node, ["uninstall", "--quiet"]);
  await waitUntil(
    "namespace directpv to be gone",
    () => env.cluster.kubectl(["get", "namespace", "directpv", "--ignore-not-found"]),
    (out) => out.trim() === "",
  );
  const timings = await installDirectPV(env, node);
  say(`install again: pods Running and Ready ${timings.readyMs} ms after install started`);
  for (const old of before) {
    const pod = await mustGetPod(env, old.metadata.name);
    assert.equal(pod.metadata.uid, old.metadata.uid, `${old.metadata.name} kept running`);
    assert.deepEqual(restartCounts(pod), { main: 0 });
    assert.equal((await writerData(node, pod)).actual, s.sums[old.metadata.name]);
  }
  const volumes = (await getJson(env, ["directpvvolumes"])).items;
  assert.equal(volumes.length, 3, "every volume is still known");
}

async function deleteStep(s: Scenario): Promise<void> {
  const { env, node } = s;
  await deleteQuietly(env, "statefulset", ["web"]);
  await deleteQuietly(env, "pod", ["after-restart"]);
  await waitUntil("the pods to be gone", () => getJson(env, ["pods"]), (l) => l.items.length === 0);
  await deleteQuietly(env, "pvc", ["data-web-0", "data-web-1", "after-restart"]);
  await waitUntil(
    "the volumes to be deleted",
    () => getJson(env, ["pv"]),
    (l) => l.items.length === 0,
  );
  await waitUntil(
    "the DirectPVVolumes to be gone",
    () => getJson(env, ["directpvvolumes"]),
    (l) => l.items.length === 0,
  );
  // Free capacity is the filesystem's: back to what it was after init, nothing allocated.
  const all = await waitUntil(
    "the drives' capacity to be free",
    () => drives(env),
    (list) =>
      list.every((d) =>
        d.status.allocatedCapacity === 0 && d.status.freeCapacity === s.initialFree[d.metadata.name]
      ),
  );
  assert.equal(all.length, 3);
  const csiMounts = (await mountsUnder(node.paths.kubeletDir)).filter((m) =>
    m.includes("/kubernetes.io~csi/") || m.includes("/plugins/kubernetes.io/csi/")
  );
  assert.deepEqual(csiMounts, [], "no pod-volume or staging mount stays");
}

realNodeTest(
  "DirectPV with real pods: install, drives, volumes, restarts, repair, upgrade",
  async (env, t) => {
    const node = env.nodes[0];
    assert.ok(node, "the environment has a node");
    const s: Scenario = { env, node, sums: {}, initialFree: {} };
    const steps: [string, (s: Scenario) => Promise<void>][] = [
      [
        "kubectl directpv install: pods Ready, registered with the kubelet, info shows the node",
        installStep,
      ],
      [
        "discover and init --dangerous on loop devices, by the node server in its container",
        drivesStep,
      ],
      [
        "a StatefulSet of 2 on DirectPV volumes; a deleted pod reads the same checksum",
        statefulSetStep,
      ],
      [
        "a VolumeSnapshot of a claim in use restores byte for byte into a new pod",
        snapshotStep,
      ],
      [
        "a raw block claim: dd in one pod, the same checksum in the next, grown while in use",
        blockStep,
      ],
      ["online expansion reaches the PV, the DirectPVVolume and the pod's node", expandStep],
      ["node-server pod deleted and kubelet restarted: data kept, new pods mount", restartStep],
      ["kubectl directpv repair runs its Job as a real pod and completes", repairStep],
      ["uninstall then install with volumes in use keeps the pods and their data", upgradeStep],
      ["deleting the StatefulSet and its PVCs frees the drives and leaves no mount", deleteStep],
    ];
    try {
      for (const [name, fn] of steps) {
        if (!(await t.step(name, () => fn(s)))) break;
      }
    } finally {
      await deleteQuietly(env, "statefulset", ["web"]).catch(() => {});
      await deleteQuietly(env, "pod", ["after-restart", "restored", "raw-writer", "raw-reader"])
        .catch(() => {});
      await deleteQuietly(env, "pvc", ["raw"]).catch(() => {});
      await deleteQuietly(env, "volumesnapshot", ["web-0-snap"]).catch(() => {});
      await directpv(env, node, ["uninstall", "--quiet"], { allowFailure: true });
    }
  },
);
