/**
 * The API server goes away under the controller: kube-apiserver SIGKILLed and restarted with
 * CreateVolume calls in flight, and etcd compacted so the informers' watches can only resume
 * by relisting (410 Gone). Calls must fail cleanly or succeed, retries must converge, and the
 * caches must catch up with what changed meanwhile.
 */
import { clusterChecks } from "./invariants.ts";
import type { Check, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import { type CallOutcome, ControlCsi, tally } from "./control_csi.ts";
import { killApiserver } from "./control_apiserver.ts";
import { capacityConservedCheck, MIB, startController, withControlWorld } from "./control_world.ts";
import { sleep } from "../lib/mod.ts";

/** What a caller may see while the API server is away: it retries these. */
const RETRYABLE = new Set(["UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"]);
const CALLS = 40;
const SIZE = 16 * MIB;

function nameOf(i: number): string {
  return `pvc-fault-outage-${i}`;
}

/** Calls made again, as the provisioner does, until every one succeeds (or the budget ends). */
async function retryUntilDone(
  csi: ControlCsi,
  names: readonly string[],
  budgetMs: number,
): Promise<{ rounds: number; last: CallOutcome[] }> {
  const deadline = Date.now() + budgetMs;
  let rounds = 0;
  let last: CallOutcome[] = [];
  for (;;) {
    rounds++;
    last = await Promise.all(names.map((n) => csi.createVolume(n, SIZE)));
    if (last.every((o) => o.code === 0) || Date.now() > deadline) return { rounds, last };
    await sleep(500);
  }
}

/** Scenario: kube-apiserver SIGKILLed while 40 CreateVolume calls start, then restarted. */
export async function apiserverRestart(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  return await withControlWorld(ctx, ["512MiB", "512MiB"], async (world) => {
    const controller = await startController(world);
    const csi = new ControlCsi(controller.socket, 10_000);
    const names = Array.from({ length: CALLS }, (_, i) => nameOf(i));
    // The calls start 25 ms apart; the API server dies 300 ms in and needs seconds to return.
    const inFlight = Promise.all(
      names.map(async (n, i) => {
        await sleep(i * 25);
        return await csi.createVolume(n, SIZE);
      }),
    );
    await sleep(300);
    const restart = await killApiserver(world);
    ctx.log("kube-apiserver killed");
    await restart();
    ctx.log("kube-apiserver ready again");
    const first = await inFlight;
    ctx.log(`calls in flight: ${tally(first)}`);
    const unclean = first.filter((o) => o.code !== 0 && !RETRYABLE.has(o.status));
    const { rounds, last } = await retryUntilDone(csi, names, 60_000);
    const again = await Promise.all(names.map((n) => csi.createVolume(n, SIZE)));
    csi.close();
    const checks: Check[] = [
      {
        name: "calls in flight failed retryably or succeeded",
        ok: unclean.length === 0 && first.some((o) => o.code !== 0),
        detail: unclean.length === 0
          ? tally(first)
          : unclean.map((o) => `${o.status} ${o.details}`).join("; "),
      },
      {
        name: "retries converge: every call succeeds, each its own volume",
        ok: last.every((o, i) => o.code === 0 && o.volumeId === names[i]) &&
          again.every((o, i) => o.code === 0 && o.volumeId === names[i]),
        detail: `after ${rounds} rounds: ${tally(last)}; once more: ${tally(again)}`,
      },
      await capacityConservedCheck(world),
      ...await clusterChecks(world.kube, names),
    ];
    return { faults: 1, checks };
  });
}
