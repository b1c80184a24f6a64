/** Every scenario of the fault matrix, in the order the table lists them. */
import type { FaultScenario } from "./matrix.ts";

export const SCENARIOS: readonly FaultScenario[] = [];
