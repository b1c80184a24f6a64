/** Stopping a real node recorded in `<dir>/node.json`, from any process, even half-started. */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { errorMessage } from "../../lib/errors/mod.ts";
import { cleanupLoopDir, unmountUnder } from "../loop/mod.ts";
import { pathExists, removePath, stopProcess } from "../lib/mod.ts";
import { nodePaths } from "./config.ts";
import {
  containerPids,
  killContainers,
  removeContainerCgroups,
  runcContainers,
  shimPids,
} from "./host.ts";
import { readNodeState } from "./state.ts";

/**
 * Stops the node recorded in `dir`: the kubelet first (so nothing restarts the containers),
 * then every process of its pods (by the cgroups in its runc state), containerd, the shims of that
 * containerd; unmounts everything under `dir` (container root filesystems, pod volumes, the
 * shared bind mounts), detaches the loop devices backed by files in its `disks` directory,
 * removes its cgroups and its directory (when it created it). Does nothing when no node is
 * recorded there; safe to call twice.
 *
 * @throws {FailedPreconditionError} listing what could not be undone (the state is kept)
 */
export async function stopNode(dir: string): Promise<void> {
  const paths = nodePaths(dir);
  const state = await readNodeState(paths.stateFile);
  if (!state) return;
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    await step().catch((err) => problems.push(`${what}: ${errorMessage(err)}`));
  };
  const byName = (name: string) => state.processes.filter((p) => p.name === name);
  for (const proc of byName("kubelet")) await attempt("kubelet", () => stopProcess(proc));
  const containers = await runcContainers(paths.runcRoot);
  await attempt("pods", async () => {
    const left = await killContainers(containers);
    if (left.length > 0) throw new Error(`PIDs ${left.join(", ")} survive SIGKILL`);
  });
  for (const proc of byName("containerd")) await attempt("containerd", () => stopProcess(proc));
  await attempt("shims", async () => {
    for (const pid of await shimPids(paths.containerdSocket)) {
      await stopProcess({ pid, name: "containerd-shim-runc-v2" }, { graceMs: 2_000 });
    }
  });
  await attempt("mounts", async () => {
    const left = await unmountUnder(dir);
    if (left.length > 0) throw new Error(`still mounted: ${left.join(", ")}`);
  });
  if (await pathExists(paths.loopDir)) {
    await attempt("loop devices", () => cleanupLoopDir(paths.loopDir));
  }
  await attempt("cgroups", async () => {
    if ((await containerPids(containers)).length > 0) throw new Error("processes remain");
    const left = await removeContainerCgroups(containers);
    if (left.length > 0) throw new Error(`cannot remove ${left.join(", ")}`);
  });
  if (problems.length > 0) {
    throw new FailedPreconditionError(
      `Cannot stop the node "${state.name}" in "${dir}": ${problems.join("; ")}`,
    );
  }
  if (state.ownsDir) await removePath(dir);
  else await removePath(paths.stateFile);
}
