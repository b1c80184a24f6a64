/**
 * Named fault points: places in the driver where the fault-matrix tests have the process
 * killed at a precise step (say, after the capacity reservation and before the volume write),
 * so recovery is tested from the exact state a crash there leaves. A point does nothing unless
 * the process started with DIRECTPV_FAULT_POINT naming it; production never sets it.
 *
 *   DIRECTPV_FAULT_POINT=controller.create.after-reserve   SIGKILL on reaching the point
 *   DIRECTPV_FAULT_POINT=init.after-mkfs:pause             stop there for ever (the test kills)
 *
 * Several points are separated by commas. When a point is reached, its name is written to
 * stderr first, so the test sees that the process got there.
 *
 * The points:
 *
 *   init.before-record                 request probed, FSUUIDs not recorded, nothing formatted
 *   init.after-mkfs                    formatted, not mounted, drive object not written
 *   init.before-drive-create           formatted and mounted, drive object not written
 *   init.after-drive-create            drive object written, the request not yet Processed
 *   node.stage.after-mount             NodeStageVolume: staging bind mount made, volume not updated
 *   node.publish.after-mount           NodePublishVolume: target bind mount made, volume not updated
 *   controller.create.after-reserve    capacity reserved on the drive, volume not written yet
 *   controller.delete.after-finalizer  volume's pv-protection finalizer dropped, not deleted yet
 *   controller.expand.after-reserve    extra bytes reserved on the drive, volume size not written
 */

type FaultAction = "kill" | "pause";

let armed: Map<string, FaultAction> | undefined;

function armedPoints(): Map<string, FaultAction> {
  if (armed) return armed;
  armed = new Map();
  let spec = "";
  try {
    spec = Deno.env.get("DIRECTPV_FAULT_POINT") ?? "";
  } catch {
    // No env permission (unit tests without --allow-env): no points are armed.
  }
  for (const entry of spec.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const [name = "", action = "kill"] = entry.split(":");
    armed.set(name, action === "pause" ? "pause" : "kill");
  }
  return armed;
}

/**
 * Reached a named fault point: kills the process (SIGKILL, no clean-up runs) or pauses it
 * for ever when a test armed this point; returns at once otherwise.
 */
export async function faultPoint(name: string): Promise<void> {
  const action = armedPoints().get(name);
  if (action === undefined) return;
  Deno.stderr.writeSync(new TextEncoder().encode(`fault point reached: ${name}\n`));
  if (action === "kill") Deno.kill(Deno.pid, "SIGKILL");
  await new Promise<never>(() => {});
}
