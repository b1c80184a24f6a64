/**
 * Two controller processes on two sockets, both serving CreateVolume for the same drives, as
 * two replicas would during a rollout: concurrent calls with distinct names against drives
 * that hold only part of what is asked. Optimistic concurrency on the drives must keep every
 * byte spent once.
 */
import { join } from "node:path";
import { type DirectPVDrive, type DirectPVVolume, volumeFinalizer } from "../../lib/types/mod.ts";
import { clusterChecks } from "./invariants.ts";
import type { Check, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { type CallOutcome, ControlCsi, tally } from "./control_csi.ts";
import {
  capacityConservedCheck,
  type ControlWorld,
  MIB,
  startController,
  withControlWorld,
} from "./control_world.ts";

const CALLS = 40;

/** Call i asks for 32, 64 or 96 MiB: nearly three times what the two drives hold in all. */
function sizeOf(i: number): number {
  return (1 + (i % 3)) * 32 * MIB;
}

function nameOf(i: number): string {
  return `pvc-fault-race-${i}`;
}

/** What is wrong with call i's outcome: a success is one volume of its size on one drive; a
 * failure is RESOURCE_EXHAUSTED with no drive left that has its size free. */
function callProblems(
  i: number,
  o: CallOutcome,
  drives: readonly DirectPVDrive[],
  volume: DirectPVVolume | undefined,
): string[] {
  const name = nameOf(i);
  if (o.code !== 0) {
    const room = drives.find((d) => d.status.freeCapacity >= sizeOf(i));
    return [
      ...(o.status === "RESOURCE_EXHAUSTED" ? [] : [`${name}: ${o.status} ${o.details}`]),
      ...(room ? [`${name} failed while ${room.metadata.name} had room`] : []),
    ];
  }
  const holders = drives.filter((d) => d.metadata.finalizers?.includes(volumeFinalizer(name)));
  return [
    ...(o.volumeId === name && o.capacityBytes === sizeOf(i)
      ? []
      : [`${name} answered ${o.volumeId} of ${o.capacityBytes}`]),
    ...(volume?.status.totalCapacity === sizeOf(i)
      ? []
      : [`${name} stored ${volume?.status.totalCapacity}`]),
    ...(holders.length === 1 ? [] : [`${name} held by ${holders.length} drives`]),
  ];
}

async function outcomeChecks(
  world: ControlWorld,
  outcomes: readonly CallOutcome[],
): Promise<Check[]> {
  const drives = await world.kube.drives.listAll();
  const volumes = new Map((await world.kube.volumes.listAll()).map((v) => [v.metadata.name, v]));
  const wrong = { ok: [] as string[], failed: [] as string[] };
  for (const [i, o] of outcomes.entries()) {
    wrong[o.code === 0 ? "ok" : "failed"].push(
      ...callProblems(i, o, drives, volumes.get(nameOf(i))),
    );
  }
  const created = outcomes.filter((o) => o.code === 0).length;
  return [
    {
      name: "every success is one volume of its size on one drive",
      ok: wrong.ok.length === 0 && created > 0 && created < outcomes.length,
      detail: wrong.ok.length === 0
        ? `${created} of ${outcomes.length} calls created`
        : wrong.ok.join("; "),
    },
    {
      name: "every failure is RESOURCE_EXHAUSTED, with no drive left that fits it",
      ok: wrong.failed.length === 0,
      detail: wrong.failed.length === 0 ? tally(outcomes) : wrong.failed.join("; "),
    },
  ];
}

/** Scenario: two controllers, concurrent CreateVolume calls split between them. */
export async function twoControllersRace(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  return await withControlWorld(ctx, ["512MiB", "512MiB"], async (world) => {
    const a = await startController(world, { name: "a" });
    const b = await startController(world, {
      name: "b",
      socket: join(world.env.dir, "controllers", "b", "csi.sock"),
    });
    const clients = [new ControlCsi(a.socket), new ControlCsi(b.socket)];
    const client = (i: number) => clients[i % 2] as ControlCsi;
    // Both connected first, or the calls of the later connection may find the drives full.
    await Promise.all(clients.map((c) => c.connected()));
    const outcomes = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => client(i).createVolume(nameOf(i), sizeOf(i))),
    );
    ctx.log(`calls: ${tally(outcomes)}`);
    const created = outcomes.flatMap((o, i) => (o.code === 0 ? [nameOf(i)] : []));
    // The provisioner may retry a success on the other replica: the same volume comes back.
    const crossed = await Promise.all(
      outcomes.flatMap((o, i) =>
        o.code === 0 ? [client(i + 1).createVolume(nameOf(i), sizeOf(i))] : []
      ),
    );
    for (const c of clients) c.close();
    const byEach = [0, 1].map((k) => outcomes.filter((o, i) => o.code === 0 && i % 2 === k).length);
    ctx.log(`created by controller a ${byEach[0]}, by b ${byEach[1]}`);
    const checks: Check[] = [
      ...await outcomeChecks(world, outcomes),
      {
        name: "both controllers created volumes",
        ok: byEach.every((n) => n > 0),
        detail: `a ${byEach[0]}, b ${byEach[1]}`,
      },
      {
        name: "a success retried on the other controller answers the same volume",
        ok: crossed.every((c, k) => c.code === 0 && c.volumeId === created[k]),
        detail: tally(crossed),
      },
      await capacityConservedCheck(world),
      ...await clusterChecks(world.kube, created),
    ];
    return { faults: 1, checks };
  });
}
