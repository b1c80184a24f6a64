/** Faults in the control plane: the controller killed mid-call, racing controllers, the API server. */
import type { FaultScenario } from "./matrix.ts";
import { createKilledAfterReserve, expandDeleteKilled } from "./control_kill.ts";

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
];
