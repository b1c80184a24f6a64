/**
 * Hostile third-party DirectPVDrive/Volume/Node objects on a real API server
 * (DIRECTPV_E2E_KUBECONFIG), read by the CLI in-process and by a running controller process:
 * 1000 generated cases by default (DIRECTPV_HOSTILE_CASES), a fixed seed.
 *
 *   DIRECTPV_E2E_KUBECONFIG=… deno test -A harness/e2e/hostile_objects_test.ts
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { AlreadyExistsError } from "../../lib/errors/mod.ts";
import { type AnyObject, connectKube } from "../../lib/k8s/mod.ts";
import { crdObjects } from "../../lib/install/mod.ts";
import { ControllerClient } from "../../proto/mod.ts";
import { makeCsiNode } from "../../lib/admin/testing.ts";
import { runObjectCases } from "../hostile/objects_run.ts";
import { formatReports } from "../hostile/report.ts";
import {
  type DaemonProcess,
  processRss,
  startDriverRole,
  stopProcess,
  tailFile,
} from "../lib/mod.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
const CASES = Number(Deno.env.get("DIRECTPV_HOSTILE_CASES") ?? "1000");
const CSI_NODE = "hostile-csinode";
const SEED = Number(Deno.env.get("DIRECTPV_HOSTILE_SEED") ?? "20261");

Deno.test({
  name: `hostile third-party objects on a real API server (${CASES} cases)`,
  ignore: !KUBECONFIG,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const kube = await connectKube({ kubeconfig: KUBECONFIG });
  for (const crd of crdObjects()) {
    await kube.customResourceDefinitions.create(crd as AnyObject).catch((err) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
  // `info` reads drives and volumes only once some node runs our driver.
  await kube.csiNodes.create(makeCsiNode(CSI_NODE)).catch((err) => {
    if (!(err instanceof AlreadyExistsError)) throw err;
  });
  const dir = await Deno.makeTempDir({ prefix: "directpv-hostile-objects-" });
  let proc: DaemonProcess | undefined;
  try {
    const role = await startDriverRole("controller", {
      driver: Deno.env.get("DIRECTPV_E2E_DRIVER") ?? join(ROOT, "driver", "main.ts"),
      cwd: ROOT,
      kubeconfig: KUBECONFIG,
      nodeName: "hostile-controller",
      dir,
    });
    proc = role.proc;
    const controller = new ControllerClient(
      `unix:${role.socket}`,
      grpc.credentials.createInsecure(),
    );
    const report = await runObjectCases(kube, controller, SEED, CASES);
    controller.close();
    console.log(formatReports([report]));
    const alive = await processRss(proc.pid) !== undefined;
    assert.ok(alive, `the controller exited:\n${await tailFile(role.logFile, 40)}`);
    assert.equal(report.tried, CASES);
    assert.ok((report.codes.stored ?? 0) > 0, "some hostile objects got past the schema");
    assert.deepEqual(report.failures.slice(0, 20), [], `${report.failures.length} wrong answers`);
    assert.equal(report.crashed, 0);
    assert.equal(report.wrote, 0);
  } finally {
    if (proc) await stopProcess(proc, { graceMs: 5_000 });
    await kube.csiNodes.delete(CSI_NODE).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
