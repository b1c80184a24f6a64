/** Faults on a node: the node server killed during init, stage and publish; drives that go. */
import type { FaultScenario } from "./matrix.ts";

export const NODE_SCENARIOS: readonly FaultScenario[] = [];
