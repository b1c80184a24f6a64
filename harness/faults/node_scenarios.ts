/** Faults on a node: the node roles killed during init, stage and publish; drives that go. */
import type { FaultScenario } from "./matrix.ts";
import { NODE_CSI_SCENARIOS } from "./node_csi_scenarios.ts";
import { NODE_DRIVE_SCENARIOS } from "./node_drive_scenarios.ts";
import { NODE_INIT_SCENARIOS } from "./node_init_scenarios.ts";

export const NODE_SCENARIOS: readonly FaultScenario[] = [
  ...NODE_INIT_SCENARIOS,
  ...NODE_CSI_SCENARIOS,
  ...NODE_DRIVE_SCENARIOS,
];
