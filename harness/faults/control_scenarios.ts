/** Faults in the control plane: the controller killed mid-call, racing controllers, the API server. */
import type { FaultScenario } from "./matrix.ts";
import { createKilledAfterReserve, expandDeleteKilled } from "./control_kill.ts";
import { twoControllersRace } from "./control_race.ts";
import { apiserverRestart } from "./control_outage.ts";
import { compactionRelist } from "./control_compaction.ts";

export const CONTROL_SCENARIOS: readonly FaultScenario[] = [
  {
    name: "controller-kill-after-reserve",
    faults: "controller SIGKILL after CreateVolume's reservation, before the volume write",
    fast: true,
    run: createKilledAfterReserve,
  },
  {
    name: "controller-kill-expand-delete",
    faults: "controller SIGKILL mid-ControllerExpandVolume, then mid-DeleteVolume",
    fast: true,
    run: expandDeleteKilled,
  },
  {
    name: "two-controllers-race",
    faults: "two controller processes serving 40 concurrent CreateVolume calls, room for a third",
    fast: false,
    run: twoControllersRace,
  },
  {
    name: "apiserver-restart-mid-create",
    faults: "kube-apiserver SIGKILL and restart while 40 CreateVolume calls start",
    fast: false,
    run: apiserverRestart,
  },
  {
    name: "etcd-compaction-relist",
    faults: "etcd compacted past the informers' revisions, kube-apiserver restarted (watches 410)",
    fast: false,
    run: compactionRelist,
  },
];
