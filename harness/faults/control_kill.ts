/**
 * The controller SIGKILLed at a fault point between the two writes of a call (CreateVolume,
 * ControllerExpandVolume, DeleteVolume), restarted, and the call retried as the sidecars
 * retry it: the retry must finish the call from the state the crash left, once.
 */
import { FINALIZERS, pendingSizesOf, volumeFinalizer } from "../../lib/types/mod.ts";
import { waitFor } from "../lib/mod.ts";
import { clusterChecks } from "./invariants.ts";
import type { Check, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { type CallOutcome, ControlCsi } from "./control_csi.ts";
import {
  awaitFaultKill,
  capacityConservedCheck,
  type ControlController,
  type ControlWorld,
  MIB,
  startController,
  stopController,
  withControlWorld,
} from "./control_world.ts";

const CREATE_POINT = "controller.create.after-reserve";
const EXPAND_POINT = "controller.expand.after-reserve";
const DELETE_POINT = "controller.delete.after-finalizer";

function sameAnswer(name: string, bytes: number, answers: readonly CallOutcome[]): Check {
  const wrong = answers.filter((a) =>
    a.code !== 0 || a.volumeId !== name || a.capacityBytes !== bytes
  );
  return {
    name: "every retry of the same call answers the same volume",
    ok: answers.length > 0 && wrong.length === 0,
    detail: wrong.length === 0
      ? `${answers.length} answers: ${name}, ${bytes} bytes`
      : wrong.map((a) => `${a.status} ${a.details} ${a.volumeId} ${a.capacityBytes}`).join("; "),
  };
}

/** Runs `call` with the controller armed at `point`, waits for the kill, restarts unarmed. */
async function killedAt(
  world: ControlWorld,
  point: string,
  call: (csi: ControlCsi) => Promise<CallOutcome>,
): Promise<{ answer: CallOutcome; restarted: ControlController }> {
  const armed = await startController(world, { faultPoint: point });
  const csi = new ControlCsi(armed.socket);
  const answer = await call(csi);
  csi.close();
  await awaitFaultKill(world, armed, point);
  return { answer, restarted: await startController(world) };
}

/** What the crash left: the drive holds the volume, whose object was never written. */
async function reservationWithoutVolume(world: ControlWorld, name: string): Promise<Check> {
  const drives = await world.kube.drives.listAll();
  const holders = drives.filter((d) => d.metadata.finalizers?.includes(volumeFinalizer(name)));
  const volume = await world.kube.volumes.get(name).catch(() => undefined);
  return {
    name: "the kill left a reservation with no volume object",
    ok: holders.length === 1 && volume === undefined,
    detail: `${holders.length} holders, volume ${volume ? "written" : "absent"}`,
  };
}

/** Scenario: CreateVolume killed after the reservation, retried after the restart. */
export async function createKilledAfterReserve(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  return await withControlWorld(ctx, ["512MiB", "512MiB"], async (world) => {
    const name = "pvc-fault-create-kill";
    const bytes = 64 * MIB;
    const { answer: first } = await killedAt(
      world,
      CREATE_POINT,
      (csi) => csi.createVolume(name, bytes),
    );
    ctx.log(`first call: ${first.status} ${first.details}`);
    const left = await reservationWithoutVolume(world, name);
    const csi = new ControlCsi(world.env.controllerEndpoint);
    const retries = [await csi.createVolume(name, bytes), await csi.createVolume(name, bytes)];
    csi.close();
    const checks = [
      {
        name: "the killed call did not answer success",
        ok: first.code !== 0,
        detail: `${first.status} ${first.details}`,
      },
      left,
      sameAnswer(name, bytes, retries),
      await capacityConservedCheck(world),
      ...await clusterChecks(world.kube, [name]),
    ];
    return { faults: 1, checks };
  });
}

async function volumeGone(world: ControlWorld, name: string): Promise<Check> {
  const gone = await waitFor(async () => {
    const v = await world.kube.volumes.get(name).catch(() => undefined);
    return v === undefined;
  }, { timeoutMs: 60_000, intervalMs: 250, description: `volume ${name} purged` })
    .then(() => true, () => false);
  return { name: "the deleted volume is purged by its node", ok: gone, detail: name };
}

/** A growing volume's size, what the drives allocate in all, and drives with an entry left. */
async function expansionState(world: ControlWorld, name: string) {
  const v = await world.kube.volumes.get(name);
  const drives = await world.kube.drives.listAll();
  return {
    size: v.status.totalCapacity,
    allocated: drives.reduce((n, d) => n + d.status.allocatedCapacity, 0),
    unsettled: drives.filter((d) => Object.keys(pendingSizesOf(d)).length > 0).length,
  };
}

/**
 * The volume has `size` bytes and the drives allocate `allocated` in all; `settled`: no
 * drive still records the expansion (after the retries), else the kill's state is asked for.
 */
async function expansionCheck(
  world: ControlWorld,
  name: string,
  want: { size: number; allocated: number; settled: boolean },
): Promise<Check> {
  const got = await expansionState(world, name);
  const ok = got.size === want.size && got.allocated === want.allocated &&
    (got.unsettled === 0) === want.settled;
  return {
    name: want.settled
      ? "the expansion ends at the requested size, reserved once, settled"
      : "the expansion's kill left the bytes reserved, recorded, the volume at its old size",
    ok,
    detail: `volume ${got.size} bytes (want ${want.size}), drives allocate ${got.allocated} ` +
      `(want ${want.allocated}), ${got.unsettled} drives record an expansion`,
  };
}

/** What the deletion's kill left: the volume without pv-protection, not yet deleted. */
async function deletionHalfDone(world: ControlWorld, name: string): Promise<Check> {
  const v = await world.kube.volumes.get(name).catch(() => undefined);
  const protectedNow = v?.metadata.finalizers?.includes(FINALIZERS.pvProtection);
  return {
    name: "the deletion's kill left the volume unprotected and not yet deleted",
    ok: v !== undefined && !protectedNow && v.metadata.deletionTimestamp === undefined,
    detail: v ? `finalizers ${JSON.stringify(v.metadata.finalizers)}` : "volume gone",
  };
}

/** Scenario: ControllerExpandVolume and DeleteVolume each killed between their writes. */
export async function expandDeleteKilled(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  return await withControlWorld(ctx, ["512MiB"], async (world) => {
    const kept = "pvc-fault-kept";
    const grown = "pvc-fault-expand-kill";
    const setup = await startController(world);
    const csi = new ControlCsi(setup.socket);
    const made = [await csi.createVolume(kept, 64 * MIB), await csi.createVolume(grown, 64 * MIB)];
    csi.close();
    if (made.some((m) => m.code !== 0)) {
      throw new Error(`Cannot create the volumes: ${made.map((m) => m.details).join("; ")}`);
    }
    await stopController(world, setup);
    const expand = await killedAt(world, EXPAND_POINT, (c) => c.expandVolume(grown, 128 * MIB));
    const expandLeft = await expansionCheck(world, grown, {
      size: 64 * MIB,
      allocated: 192 * MIB,
      settled: false,
    });
    const again = new ControlCsi(world.env.controllerEndpoint);
    const retried = [
      await again.expandVolume(grown, 128 * MIB),
      await again.expandVolume(grown, 128 * MIB),
    ];
    again.close();
    const once = await expansionCheck(world, grown, {
      size: 128 * MIB,
      allocated: 192 * MIB,
      settled: true,
    });
    // The controller restarted after the expansion's kill gives way to one armed for deletion.
    await stopController(world, expand.restarted);
    const del = await killedAt(world, DELETE_POINT, (c) => c.deleteVolume(grown));
    const deleteLeft = await deletionHalfDone(world, grown);
    const last = new ControlCsi(world.env.controllerEndpoint);
    const deleted = [await last.deleteVolume(grown), await last.deleteVolume(grown)];
    last.close();
    const checks: Check[] = [
      {
        name: "the killed calls did not answer success",
        ok: expand.answer.code !== 0 && del.answer.code !== 0,
        detail: `expand ${expand.answer.status}, delete ${del.answer.status}`,
      },
      expandLeft,
      deleteLeft,
      {
        name: "retried expansions answer the requested size",
        ok: retried.every((r) => r.code === 0 && r.capacityBytes === 128 * MIB),
        detail: retried.map((r) => `${r.status} ${r.capacityBytes ?? r.details}`).join("; "),
      },
      once,
      {
        name: "retried deletions succeed",
        ok: deleted.every((d) => d.code === 0),
        detail: deleted.map((d) => `${d.status} ${d.details}`).join("; "),
      },
      await volumeGone(world, grown),
      await capacityConservedCheck(world),
      ...await clusterChecks(world.kube, [kept]),
    ];
    return { faults: 2, checks };
  });
}
