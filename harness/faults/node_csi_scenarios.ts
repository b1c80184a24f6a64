/**
 * The node server killed in the middle of kubelet's calls: paused right after NodeStageVolume
 * (or NodePublishVolume) made its bind mount and before it recorded it on the volume, its
 * whole process group SIGKILLed while the call is in flight, restarted, and the call retried
 * as kubelet retries it. The retry must succeed without stacking a second mount, and the pod's
 * path must show the volume's own data.
 */
import { clusterChecks, publishedDataCheck } from "./invariants.ts";
import type { FaultScenario, ScenarioContext, ScenarioOutcome } from "./matrix.ts";
import {
  markerOnDriveCheck,
  mountWithMarker,
  oneMountCheck,
  type PodVolumeOnNode,
  provisionVolume,
  publishOnly,
  volumeRecordCheck,
} from "./node_volumes.ts";
import {
  killRole,
  nodeOf,
  restartArmed,
  startRole,
  waitFaultReached,
  withWorld,
  type World,
} from "./world.ts";
import { join } from "node:path";
import { mountPodVolume } from "../kubelet/mod.ts";
import { MARKER_FILE } from "./invariants.ts";

type Call = "stage" | "publish";

const POINTS: Record<Call, string> = {
  stage: "node.stage.after-mount",
  publish: "node.publish.after-mount",
};

/** Starts kubelet's calls with the node server armed; kills it once the point is reached. */
async function interrupt(
  world: World,
  volume: PodVolumeOnNode,
  call: Call,
  log: (m: string) => void,
) {
  const node = nodeOf(world);
  const point = POINTS[call];
  const from = await restartArmed(world, "node-server", node, `${point}:pause`);
  const inFlight = mountPodVolume(volume.use).then(
    () => "the call returned",
    (err) => `the call failed: ${err instanceof Error ? err.message : err}`,
  );
  await waitFaultReached(world, "node-server", node, point, from);
  log(`killing node-server inside ${call}`);
  await killRole(world, "node-server", node);
  log(`in-flight call: ${await inFlight}`);
}

/** What kubelet does after the failed call: the same call again (publish alone if staged). */
async function retry(volume: PodVolumeOnNode, call: Call): Promise<void> {
  if (call === "stage") await mountPodVolume(volume.use);
  else await publishOnly(volume);
  await Deno.writeTextFile(join(volume.paths.target, MARKER_FILE), volume.name);
}

async function runCallFault(ctx: ScenarioContext, call: Call): Promise<ScenarioOutcome> {
  const options = { name: call, nodes: 1, drivesPerNode: 1, log: ctx.log };
  return await withWorld(options, async (world) => {
    const node = nodeOf(world);
    // A volume mounted before the fault, whose data must be untouched by it.
    const earlier = await provisionVolume(world, node, "fault-earlier");
    await mountWithMarker(earlier);
    const volume = await provisionVolume(world, node, "fault-claim");
    await interrupt(world, volume, call, ctx.log);
    await startRole(world, "node-server", node);
    await retry(volume, call);
    const checks = [
      await oneMountCheck(volume),
      await oneMountCheck(earlier),
      await volumeRecordCheck(world, volume),
      await markerOnDriveCheck(world, node, volume),
      await publishedDataCheck(
        new Map([[volume.name, volume.paths.target], [earlier.name, earlier.paths.target]]),
      ),
      ...await clusterChecks(world.kube, [earlier.name, volume.name]),
    ];
    return { faults: 1, checks };
  });
}

export const NODE_CSI_SCENARIOS: readonly FaultScenario[] = [
  {
    name: "stage-kill-node-server",
    faults: "node-server group SIGKILL inside NodeStageVolume (after the bind mount), retried",
    fast: true,
    run: (ctx) => runCallFault(ctx, "stage"),
  },
  {
    name: "publish-kill-node-server",
    faults: "node-server group SIGKILL inside NodePublishVolume (after the bind mount), retried",
    fast: false,
    run: (ctx) => runCallFault(ctx, "publish"),
  },
];
