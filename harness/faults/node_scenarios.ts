/** Faults on a node: the node server killed during init, stage and publish; drives that go. */
import type { FaultScenario } from "./matrix.ts";
import { NODE_INIT_SCENARIOS } from "./node_init_scenarios.ts";

export const NODE_SCENARIOS: readonly FaultScenario[] = [...NODE_INIT_SCENARIOS];
