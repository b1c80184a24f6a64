import assert from "node:assert/strict";
import { FailedPreconditionError } from "../errors/mod.ts";
import { defaultInstallArgs, type InstallArgs, installObjects } from "../install/mod.ts";
import type { AnyObject } from "../k8s/mod.ts";
import { FakeKube } from "../k8s/testing.ts";
import { NAMESPACE } from "../types/mod.ts";
import { podTemplateOf, repair, repairJob } from "./repair.ts";
import { makeDrive, recordingReporter } from "./testing.ts";
import { NoMatchingResourcesError } from "./types.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

function nodeServer(overrides: Partial<InstallArgs> = {}): AnyObject {
  const args = {
    ...defaultInstallArgs("v4.2.0"),
    tolerations: [{ key: "k", operator: "Exists" as const, effect: "NoSchedule" as const }],
    imagePullSecrets: ["regcred"],
    apparmorProfile: "directpv",
    ...overrides,
  };
  return installObjects(args).find((o) => o.kind === "DaemonSet") as unknown as AnyObject;
}

Deno.test("repairJob() has the shape DirectPV's repair jobs have", () => {
  const drive = makeDrive({ id: A, node: "node1", name: "sdb" });
  const job = repairJob(drive, podTemplateOf(nodeServer()), { force: true, dryRun: true });
  assert.equal(job.metadata.name, `repair-${A}`);
  assert.equal(job.metadata.namespace, NAMESPACE);
  assert.equal(job.spec.backoffLimit, 1);
  assert.equal(job.spec.ttlSecondsAfterFinished, 300);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.serviceAccountName, "directpv-min-io");
  assert.deepEqual(pod.nodeSelector, { "directpv.min.io/node": "node1" });
  assert.deepEqual(pod.tolerations, [{ key: "k", operator: "Exists", effect: "NoSchedule" }]);
  assert.deepEqual(pod.imagePullSecrets, [{ name: "regcred" }]);
  assert.equal(
    job.spec.template.metadata
      .annotations["container.apparmor.security.beta.kubernetes.io/node-server"],
    "localhost/directpv",
  );
  const [container] = pod.containers;
  assert.equal(container.image, "ghcr.io/directpv/directpv:v4.2.0");
  assert.deepEqual(container.args, ["repair", A, "--kube-node-name=node1", "--force", "--dry-run"]);
  assert.deepEqual(container.env.map((e: AnyObject) => e.name), ["KUBE_NODE_NAME", "CSI_ENDPOINT"]);
  assert.equal(pod.hostNetwork, undefined);
  assert.ok(container.securityContext.privileged);
  assert.equal(container.terminationMessagePath, "/var/log/repair-termination-log");
  assert.deepEqual(
    container.volumeMounts.map((m: AnyObject) =>
      `${m.mountPath}:${m.mountPropagation}:${!!m.readOnly}`
    ),
    [
      "/var/lib/directpv/:Bidirectional:false",
      "/var/lib/direct-csi/:Bidirectional:false",
      "/sys:Bidirectional:false",
      "/dev:HostToContainer:true",
      "/run/udev/data:None:true",
    ],
  );
  assert.deepEqual(pod.volumes.map((v: AnyObject) => v.hostPath.path), [
    "/var/lib/directpv/",
    "/var/lib/direct-csi/",
    "/sys",
    "/dev",
    "/run/udev/data",
  ]);
});

Deno.test("repairJob() carries the node server's loop-device and quota flags", () => {
  const drive = makeDrive({ id: A, node: "node1", name: "loop3" });
  const ds = nodeServer({ allowLoopDevices: true, quota: "best-effort" });
  const job = repairJob(drive, podTemplateOf(ds), {});
  assert.deepEqual(job.spec.template.spec.containers[0].args, [
    "repair",
    A,
    "--kube-node-name=node1",
    "--allow-loop-devices",
    "--quota=best-effort",
  ]);
});

Deno.test("podTemplateOf() reads flags and settings a cluster patched into the DaemonSet", () => {
  const ds = nodeServer();
  const pod = ds.spec.template.spec;
  pod.hostNetwork = true;
  const server = pod.containers.find((c: AnyObject) => c.name === "node-server");
  server.args.push("--allow-loop-devices", "--loop-backing-dir=/loops/$(KUBE_NODE_NAME)");
  server.args.push("--quota", "best-effort", "--metrics-port=1");
  server.env.push({ name: "KUBERNETES_SERVICE_HOST", value: "127.0.0.1" });
  const template = podTemplateOf(ds);
  assert.deepEqual(template.nodeFlags, [
    "--allow-loop-devices",
    "--loop-backing-dir=/loops/$(KUBE_NODE_NAME)",
    "--quota=best-effort",
  ]);
  const job = repairJob(makeDrive({ id: A, node: "node1", name: "loop3" }), template, {});
  const spec = job.spec.template.spec;
  assert.ok(spec.hostNetwork === true, "the host network when the node server has it");
  assert.deepEqual(spec.containers[0].env.map((e: AnyObject) => e.name), [
    "KUBE_NODE_NAME",
    "CSI_ENDPOINT",
    "KUBERNETES_SERVICE_HOST",
  ], "KUBE_NODE_NAME expands $(KUBE_NODE_NAME) in the carried flags");
});

Deno.test("repairJob() mounts the host directories where the node server has them", () => {
  const ds = nodeServer();
  const pod = ds.spec.template.spec;
  const server = pod.containers.find((c: AnyObject) => c.name === "node-server");
  const root = pod.volumes.find((v: AnyObject) => v.name === "directpv-common-root");
  root.hostPath.path = "/srv/run/var/lib/directpv/";
  for (const m of server.volumeMounts) if (m.name === "sysfs") m.mountPropagation = "None";
  const job = repairJob(makeDrive({ id: A, node: "node1", name: "sdb" }), podTemplateOf(ds), {});
  const spec = job.spec.template.spec;
  assert.equal(spec.volumes[0].hostPath.path, "/srv/run/var/lib/directpv/");
  assert.equal(spec.volumes[2].hostPath.path, "/sys", "the others where they were");
  const propagation = Object.fromEntries(
    spec.containers[0].volumeMounts.map((m: AnyObject) => [m.name, m.mountPropagation]),
  );
  assert.deepEqual(propagation, {
    "directpv-common-root": "Bidirectional",
    "direct-csi-common-root": "Bidirectional",
    sysfs: "None",
    devfs: "HostToContainer",
    "run-udev-data-dir": "None",
  }, "never more than the node server's, never more than the repair's own");
});

Deno.test("repair() creates one job per known drive and skips existing jobs", async () => {
  const kube = new FakeKube();
  kube.seed(nodeServer(), makeDrive({ id: A, node: "node1", name: "sdb" }));
  const reporter = recordingReporter();
  const missing = "bbbbbbbb-0000-4000-8000-000000000002";
  assert.deepEqual(await repair(kube, { driveIds: [A, missing], reporter }), [`repair-${A}`]);
  assert.deepEqual(await repair(kube, { driveIds: [A], reporter }), []);
  assert.deepEqual(reporter.warnings, [`Drive ${missing} not found; skipped`]);
  assert.deepEqual(reporter.infos, [
    `Repair job repair-${A} for drive ${A} is created`,
    `Job repair-${A} already exists`,
  ]);
  assert.equal((await kube.jobs.listAll({ namespace: NAMESPACE })).length, 1);
});

Deno.test("repair() needs the node-server DaemonSet and a known drive", async () => {
  const kube = new FakeKube();
  await assert.rejects(repair(kube, { driveIds: [A] }), NoMatchingResourcesError);
  kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  await assert.rejects(
    repair(kube, { driveIds: [A] }),
    (e) =>
      e instanceof FailedPreconditionError && /DaemonSet "node-server" not found/.test(e.message),
  );
});
