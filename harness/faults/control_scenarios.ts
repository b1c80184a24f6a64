/** Faults in the control plane: the controller killed mid-call, racing controllers, the API server. */
import type { FaultScenario } from "./matrix.ts";
import { createKilledAfterReserve } from "./control_kill.ts";

export const CONTROL_SCENARIOS: readonly FaultScenario[] = [
  {
    name: "controller-kill-after-reserve",
    faults: "controller SIGKILL after CreateVolume's reservation, before the volume write",
    fast: true,
    run: createKilledAfterReserve,
  },
];
