/** Every scenario of the fault matrix, in the order the table lists them. */
import type { FaultScenario } from "./matrix.ts";
import { NODE_SCENARIOS } from "./node_scenarios.ts";
import { CONTROL_SCENARIOS } from "./control_scenarios.ts";

export const SCENARIOS: readonly FaultScenario[] = [...NODE_SCENARIOS, ...CONTROL_SCENARIOS];
