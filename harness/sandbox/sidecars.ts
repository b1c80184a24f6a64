/** csi-provisioner and csi-resizer as host processes, with the flags install gives them. */
import { join } from "node:path";
import { PROVISIONER_WORKER_FLAGS, SIDECAR_API_FLAGS } from "../../lib/install/mod.ts";
import { spawnDaemon } from "../lib/mod.ts";
import type { DaemonProcess } from "../lib/mod.ts";

/** What the sidecars need of the environment (its state, as env.ts records it). */
export interface SidecarEnv {
  dir: string;
  kubeconfig: string;
  driverKubeconfig?: string;
  controllerEndpoint: string;
  capacityTracking?: boolean;
  provisionerArgs?: string[];
  processes: DaemonProcess[];
}

/** How often the host-process provisioner polls GetCapacity (short: scenarios wait on it). */
export const SANDBOX_CAPACITY_POLL = "2s";

/** csi-provisioner's capacity flags for a host process: no pod, so no owner reference. */
function capacityFlags(env: SidecarEnv): string[] {
  if (env.capacityTracking === false) return [];
  return [
    "--enable-capacity",
    "--capacity-ownerref-level=-1",
    `--capacity-poll-interval=${SANDBOX_CAPACITY_POLL}`,
  ];
}

/** Starts both sidecars against the controller's socket and records them (`save`). */
export async function startSidecars(
  env: SidecarEnv,
  binDir: string,
  save: () => Promise<void>,
): Promise<void> {
  const common = [
    "--kubeconfig",
    env.driverKubeconfig ?? env.kubeconfig,
    "--csi-address",
    env.controllerEndpoint,
    "--timeout=300s",
    "--v=3",
    ...SIDECAR_API_FLAGS,
  ];
  const provisioner = [
    ...common,
    "--strict-topology",
    "--feature-gates=Topology=true",
    "--extra-create-metadata",
    ...PROVISIONER_WORKER_FLAGS,
    ...capacityFlags(env),
    ...env.provisionerArgs ?? [],
  ];
  for (const [name, args] of [["csi-provisioner", provisioner], ["csi-resizer", common]] as const) {
    env.processes.push(
      await spawnDaemon({
        name,
        command: join(binDir, name),
        args,
        logFile: join(env.dir, "logs", `${name}.log`),
        // The namespace the provisioner writes CSIStorageCapacity objects into.
        env: { NAMESPACE: "directpv" },
      }),
    );
    await save();
  }
}
