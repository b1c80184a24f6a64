/**
 * etcd compacted past the revisions the controller's informers last saw, and kube-apiserver
 * restarted so every watch has to resume from one: the API server answers 410 Gone, the
 * informers relist, and the caches must then show what changed meanwhile: a drive plugged
 * in and initialised after the compaction, and capacity a deleted volume gave back.
 */
import { createLoopDrives } from "../loop/mod.ts";
import { saveState } from "../sandbox/env.ts";
import { sleep, waitFor } from "../lib/mod.ts";
import { clusterChecks } from "./invariants.ts";
import type { Check, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { type CallOutcome, ControlCsi } from "./control_csi.ts";
import { compactEtcd, killApiserver } from "./control_apiserver.ts";
import {
  capacityConservedCheck,
  type ControlWorld,
  initialiseDrives,
  MIB,
  startController,
  withControlWorld,
} from "./control_world.ts";

/** Most of a 512 MiB drive: one such volume per drive. */
const BIG = 384 * MIB;
const RELISTED = "Relisting after expired resource version";

/** Writes of another kind: the store's revision moves on with no drive or volume event. */
async function churn(world: ControlWorld, writes: number): Promise<void> {
  const maps = world.kube.resource("v1", "ConfigMap", { plural: "configmaps", namespaced: true });
  for (let i = 0; i < writes; i++) {
    const name = `fault-churn-${i}`;
    await maps.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default" },
    });
    await maps.delete(name, { namespace: "default" });
  }
}

/** CreateVolume until it succeeds or `budgetMs` ends; the outcome and how long it took. */
async function createWithin(
  csi: ControlCsi,
  name: string,
  budgetMs: number,
): Promise<{ last: CallOutcome; ms: number }> {
  const started = performance.now();
  for (;;) {
    const last = await csi.createVolume(name, BIG);
    const ms = performance.now() - started;
    if (last.code === 0 || ms > budgetMs) return { last, ms };
    await sleep(250);
  }
}

/** Plugs a new loop drive into the node and initialises it; returns its first Ready state. */
async function plugNewDrive(world: ControlWorld) {
  const node = world.env.nodes[0];
  if (!node) throw new Error("The environment has no node");
  node.drives.push(
    ...await createLoopDrives([{ name: "late", size: "512MiB" }], {
      dir: node.loopDir,
    }),
  );
  await saveState(world.env);
  const known = new Set(world.drives.map((d) => d.metadata.name));
  const ready = await initialiseDrives(world, world.drives.length + 1);
  const fresh = ready.find((d) => !known.has(d.metadata.name));
  if (!fresh) throw new Error("The new drive did not come up");
  return fresh;
}

function created(what: string, o: { last: CallOutcome; ms: number }, drive?: string): Check {
  return {
    name: what,
    ok: o.last.code === 0,
    detail: `${o.last.status} ${o.last.details} after ${o.ms.toFixed(0)} ms` +
      (drive ? ` on ${drive}` : ""),
  };
}

/** Scenario: compaction, 410 on every watch, then changes the caches must pick up. */
export async function compactionRelist(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  return await withControlWorld(ctx, ["512MiB"], async (world) => {
    const controller = await startController(world);
    const csi = new ControlCsi(controller.socket);
    const old = "pvc-fault-compact-old";
    if ((await csi.createVolume(old, BIG)).code !== 0) throw new Error(`Cannot create ${old}`);
    await churn(world, 20);
    const revision = await compactEtcd(world);
    ctx.log(`etcd compacted at revision ${revision}`);
    await (await killApiserver(world))();
    const late = await plugNewDrive(world);
    ctx.log(`drive ${late.metadata.name} initialised after the compaction`);
    // Only the new drive has room for it: the controller must have seen that drive arrive.
    const onLate = await createWithin(csi, "pvc-fault-compact-late", 30_000);
    if ((await csi.deleteVolume(old)).code !== 0) throw new Error(`Cannot delete ${old}`);
    await waitFor(
      async () => (await world.kube.volumes.get(old).catch(() => undefined)) === undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        description: `${old} purged`,
      },
    );
    // Only the first drive has room again: the controller must have seen its capacity return.
    const onFirst = await createWithin(csi, "pvc-fault-compact-again", 30_000);
    csi.close();
    const volumes = new Map((await world.kube.volumes.listAll()).map((v) => [v.metadata.name, v]));
    const driveOf = (n: string) => volumes.get(n)?.status.fsuuid ?? "none";
    const log = await Deno.readTextFile(controller.logFile);
    ctx.log(
      `${log.split(RELISTED).length - 1} relists; new drive used after ` +
        `${onLate.ms.toFixed(0)} ms, freed capacity after ${onFirst.ms.toFixed(0)} ms`,
    );
    const checks: Check[] = [
      {
        name: "the controller's watches got 410 Gone and relisted",
        ok: log.includes(RELISTED),
        detail: `${log.split(RELISTED).length - 1} relists in ${controller.logFile}`,
      },
      created(
        "a drive initialised after the compaction takes a volume",
        onLate,
        driveOf("pvc-fault-compact-late"),
      ),
      created(
        "capacity given back after the compaction is used again",
        onFirst,
        driveOf("pvc-fault-compact-again"),
      ),
      await capacityConservedCheck(world, [late]),
      ...await clusterChecks(world.kube, ["pvc-fault-compact-late", "pvc-fault-compact-again"]),
    ];
    return { faults: 2, checks };
  });
}
