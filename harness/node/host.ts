/**
 * What a real node does to the host and undoes when it stops: shared bind mounts (mount
 * propagation out of containers needs them), the processes of its containers (found through
 * the node's own runc state directory) and of its containerd shims (found by the node's own
 * containerd socket on their command line), and the cgroup directories runc made for them.
 */
import { run, sleep } from "../lib/mod.ts";

/**
 * Bind-mounts `dir` on itself and makes it rshared, so that mounts made under it inside a
 * container with Bidirectional propagation (and the kubelet's own volume mounts) show on the
 * host. The kubelet refuses Bidirectional mounts of a directory that is not on a shared mount.
 */
export async function makeSharedMount(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await run("mount", ["--bind", dir, dir]);
  await run("mount", ["--make-rshared", dir]);
}

/** A container runc runs for the node, from runc's state directory (`<root>/<ns>/<id>`). */
export interface RuncContainer {
  id: string;
  /** Its cgroup directory in each hierarchy (`cgroup_paths` of runc's `state.json`). */
  cgroupDirs: string[];
}

/**
 * The containers in runc's state directory of this node. runc keeps it per node (the `Root`
 * option of containerd's runtime), so these are this node's containers and no one else's; their
 * cgroups are `/<namespace>/<id>` (the kubelet gives none without QoS cgroups), unique by id.
 */
export async function runcContainers(runcRoot: string): Promise<RuncContainer[]> {
  const out: RuncContainer[] = [];
  for (const ns of await subdirs(runcRoot)) {
    for (const id of await subdirs(`${runcRoot}/${ns}`)) {
      const text = await Deno.readTextFile(`${runcRoot}/${ns}/${id}/state.json`).catch(() => "");
      if (!text) continue;
      const paths = (JSON.parse(text) as { cgroup_paths?: Record<string, string> }).cgroup_paths;
      out.push({ id, cgroupDirs: [...new Set(Object.values(paths ?? {}))].sort() });
    }
  }
  return out;
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await Array.fromAsync(Deno.readDir(dir));
    return entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** PIDs of the processes in the containers' cgroups. */
export async function containerPids(containers: readonly RuncContainer[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of containers.flatMap((c) => c.cgroupDirs)) {
    const text = await Deno.readTextFile(`${dir}/cgroup.procs`).catch(() => "");
    for (const line of text.split("\n")) if (/^\d+$/.test(line)) pids.add(Number(line));
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Kills (SIGKILL) every process of the containers: the pods of the node. Returns the PIDs still
 * there after a bounded wait.
 */
export async function killContainers(
  containers: readonly RuncContainer[],
  timeoutMs = 10_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await containerPids(containers);
    if (pids.length === 0 || Date.now() >= deadline) return pids;
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await sleep(100);
  }
}

/** Removes the containers' cgroup directories (empty by now); returns those that remain. */
export async function removeContainerCgroups(
  containers: readonly RuncContainer[],
): Promise<string[]> {
  const left: string[] = [];
  for (const dir of containers.flatMap((c) => c.cgroupDirs)) {
    await Deno.remove(dir).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) left.push(dir);
    });
  }
  return left;
}

/**
 * PIDs of the containerd shims serving the containerd at `socket`: their command line names
 * that socket (`-address <socket>`), which no other node's shims do.
 */
export async function shimPids(socket: string): Promise<number[]> {
  const out: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const raw = await Deno.readFile(`/proc/${entry.name}/cmdline`).catch(() => undefined);
    if (!raw) continue;
    const argv = new TextDecoder().decode(raw).split("\0");
    const at = argv.indexOf("-address");
    if (argv[0]?.endsWith("containerd-shim-runc-v2") && argv[at + 1] === socket) {
      out.push(Number(entry.name));
    }
  }
  return out;
}
