/** Faults in the control plane: the controller killed mid-call, racing controllers, the API server. */
import type { FaultScenario } from "./matrix.ts";

export const CONTROL_SCENARIOS: readonly FaultScenario[] = [];
