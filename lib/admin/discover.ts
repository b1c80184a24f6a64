/**
 * `discover` (reference §1.5): make every node running the driver re-probe its devices and
 * collect what they report.
 */
import type { KubeClient } from "../k8s/mod.ts";
import { AlreadyExistsError, NotFoundError } from "../errors/mod.ts";
import { type DirectPVNode, newDirectPVNode } from "../types/mod.ts";
import { csiNodeNames } from "./info.ts";
import { LIST_PAGE_SIZE } from "./listers.ts";
import { signalOption, silentReporter, type WriteRunOptions } from "./types.ts";
import { updateMatching } from "./update_matching.ts";
import { timedOut, waitForEach } from "./wait.ts";

/** Creates a DirectPVNode; when the node controller made it first, returns that one. */
async function createNode(
  kube: KubeClient,
  name: string,
  write: { dryRun?: boolean; signal?: AbortSignal },
): Promise<DirectPVNode> {
  try {
    return await kube.nodes.create(newDirectPVNode(name), write);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    return await kube.nodes.get(name, signalOption(write.signal));
  }
}

/**
 * Makes the DirectPVNodes match the CSINodes that list the driver: creates the missing ones
 * (with refresh set) and deletes those whose CSINode is gone. Returns the current nodes.
 */
export async function syncNodes(
  kube: KubeClient,
  options: WriteRunOptions = {},
): Promise<DirectPVNode[]> {
  const wanted = new Set(await csiNodeNames(kube, options.signal));
  const existing = await kube.nodes.listAll({
    limit: LIST_PAGE_SIZE,
    ...signalOption(options.signal),
  });
  const have = new Set(existing.map((n) => n.metadata.name ?? ""));
  const out = existing.filter((n) => wanted.has(n.metadata.name ?? ""));
  const write = { ...(options.dryRun ? { dryRun: true } : {}), ...signalOption(options.signal) };
  for (const name of [...wanted].sort()) {
    if (!have.has(name)) out.push(await createNode(kube, name, write));
  }
  for (const node of existing) {
    const name = node.metadata.name ?? "";
    if (wanted.has(name)) continue;
    try {
      await kube.nodes.delete(name, write);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return out;
}

/** Arguments of {@link discover}. */
export interface DiscoverArgs extends Omit<WriteRunOptions, "dryRun"> {
  /** Node names; every node when empty. */
  nodes?: readonly string[];
  /** How long to wait for the nodes to report, in milliseconds. */
  timeoutMs: number;
}

function selectNodes(
  all: readonly DirectPVNode[],
  wanted: readonly string[],
  warn: (message: string) => void,
): DirectPVNode[] {
  if (wanted.length === 0) return [...all];
  const byName = new Map(all.map((n) => [n.metadata.name ?? "", n]));
  const missing = wanted.filter((n) => !byName.has(n));
  const found = [...new Set(wanted)].flatMap((n) => byName.get(n) ?? []);
  if (found.length === 0) throw new NotFoundError(`Node(s) ${missing.join(",")} not found`);
  if (missing.length > 0) warn(`Node(s) ${missing.join(",")} not found; skipped`);
  return found;
}

/**
 * Syncs the nodes, sets `spec.refresh` on the selected ones and waits until each node
 * controller has cleared it. Returns the refreshed nodes sorted by name.
 *
 * @throws {NotFoundError} when nodes were named and none exists
 * @throws {DeadlineExceededError} when a node does not report in time
 */
export async function discover(kube: KubeClient, args: DiscoverArgs): Promise<DirectPVNode[]> {
  const reporter = args.reporter ?? silentReporter;
  const all = await syncNodes(kube, signalOption(args.signal));
  const selected = selectNodes(all, args.nodes ?? [], (m) => reporter.warn(m));
  const names = selected.map((n) => n.metadata.name ?? "").sort();
  reporter.begin?.(names.length);
  try {
    await updateMatching(kube.nodes, selected, (node) => {
      node.spec = { ...node.spec, refresh: true };
    }, signalOption(args.signal));
    for (const name of names) reporter.update?.(name, "active", `Discovering node '${name}'`);
    const result = await waitForEach(kube.nodes, {
      names,
      done: (node) => node.spec?.refresh !== true,
      onDone: (node) => {
        const name = node.metadata.name ?? "";
        reporter.update?.(name, "done", `Discovered node '${name}'`);
      },
      timeoutMs: args.timeoutMs,
      ...signalOption(args.signal),
    });
    for (const name of result.pending) {
      reporter.update?.(name, "failed", `Node '${name}' did not report`);
    }
    if (result.pending.length > 0) {
      throw timedOut(
        `Unable to complete the discovery of ${result.pending.join(", ")}`,
        args.timeoutMs,
      );
    }
    return names.flatMap((n) => result.objects.get(n) ?? []);
  } finally {
    reporter.end?.();
  }
}
