/**
 * NodePublishVolume and NodeUnpublishVolume (reference §4.4): a bind mount of the staging
 * path on the pod's target path (read-only on request), or of the read-only tmpfs
 * `<app>/tmp` for a suspended volume or drive; the pod's name, namespace and
 * `directpv.min.io/` labels are copied onto the volume.
 */
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../../lib/errors/mod.ts";
import { updateWithRetry } from "../../lib/k8s/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { faultPoint, type MountInfoEntry } from "../../lib/sys/mod.ts";
import {
  type DirectPVVolume,
  GROUP,
  isReservedLabelKey,
  isSuspended,
  LABELS,
  TMP_MOUNT_DIR,
  toLabelValue,
} from "../../lib/types/mod.ts";
import type * as csi from "../../proto/mod.ts";
import { requireCapability } from "./controller_validate.ts";
import { publishBlock } from "./node_block.ts";
import type { NodeContext } from "../node_context.ts";
import { getVolume, getVolumeDrive } from "./node_deps.ts";
import { bindOnce, mountList, mountsOfVolumeAt } from "./node_mounts.ts";
import { clearPath, unmountOwn } from "./node_stage.ts";
import { requireNodePath, requireNoSymlink, requireVolumeId, shown } from "./node_validate.ts";
import type { CallContext, Reply } from "./services.ts";

/** Volume context keys kubelet sets when the CSIDriver has `podInfoOnMount`. */
export const POD_NAME_KEY = "csi.storage.k8s.io/pod.name";
export const POD_NAMESPACE_KEY = "csi.storage.k8s.io/pod.namespace";

function mountsAt(mounts: MountInfoEntry[], path: string): MountInfoEntry[] {
  return mounts.filter((m) => m.mountPoint === path);
}

/** Bind-mounts the read-only tmpfs on the target (suspended volumes). */
async function publishSuspended(deps: NodeContext, target: string): Promise<void> {
  const tmp = deps.host.paths.app("tmp");
  const mounts = await deps.host.mounter.mountInfo();
  if (mountsAt(mounts, tmp).length === 0) {
    throw new FailedPreconditionError(`${TMP_MOUNT_DIR} is not mounted; restart this node server`);
  }
  await bindOnce(deps, mounts, {
    source: tmp,
    target,
    already: (m) => m.fsType === "tmpfs",
    options: { readOnly: true },
  });
}

/** Bind-mounts the staging path on the target unless the same mount is there already. */
async function publishStaged(
  deps: NodeContext,
  input: { id: string; staging: string; target: string; readOnly: boolean },
): Promise<void> {
  const mounts = await deps.host.mounter.mountInfo();
  const staged = mountsAt(mounts, input.staging).at(-1);
  if (!staged) {
    throw new FailedPreconditionError(
      `Cannot publish volume "${input.id}": staging target path "` +
        `${deps.host.paths.unmap(input.staging)}" is not mounted`,
    );
  }
  await bindOnce(deps, mounts, {
    source: input.staging,
    target: input.target,
    already: (m) => m.majorMinor === staged.majorMinor && m.root === staged.root,
    options: { readOnly: input.readOnly },
  });
}

/**
 * The labels to add for the pod using the volume: `pod.name`, `pod.namespace` and its
 * `directpv.min.io/` labels (reserved keys excepted, so a pod cannot repoint a volume).
 */
async function podLabels(
  deps: NodeContext,
  context: Record<string, string>,
  logger: Logger,
): Promise<Record<string, string>> {
  const name = context[POD_NAME_KEY];
  const namespace = context[POD_NAMESPACE_KEY];
  if (!name || !namespace) return {};
  const out: Record<string, string> = {
    [LABELS.podName]: toLabelValue(name),
    [LABELS.podNamespace]: toLabelValue(namespace),
  };
  try {
    const pod = await deps.kube.pods.get(name, { namespace });
    for (const [key, value] of Object.entries(pod.metadata.labels ?? {})) {
      if (key.startsWith(`${GROUP}/`) && !isReservedLabelKey(key)) out[key] = value;
    }
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    logger.warn("Pod of the volume not found; its labels are not copied", { pod: name, namespace });
  }
  return out;
}

/** Refuses a target that holds a mount other than this volume's: it would be covered. */
async function requireNoForeignMount(deps: NodeContext, id: string, target: string) {
  const { foreign } = await mountsOfVolumeAt(deps, deps.host.paths.host(target), id);
  if (foreign.length === 0) return;
  throw new FailedPreconditionError(
    `Cannot publish volume "${id}" on "${shown(target)}": it holds a mount that is not the ` +
      `volume's (${mountList(foreign)})`,
  );
}

function requireStaged(volume: DirectPVVolume, staging: string): void {
  if (volume.status.stagingTargetPath !== staging) {
    throw new FailedPreconditionError(
      `volume ${volume.metadata.name} is not yet staged, but requested with ${staging}`,
    );
  }
}

/**
 * Handles NodePublishVolume.
 *
 * @throws {InvalidArgumentError} for a bad id, path or capability, or a symlink in the target
 * @throws {NotFoundError} when the volume does not exist
 * @throws {FailedPreconditionError} when the volume is not staged at the given path, or the
 *   target holds another mount
 */
export async function nodePublishVolume(
  deps: NodeContext,
  req: csi.NodePublishVolumeRequest,
  ctx: CallContext,
): Promise<Reply<csi.NodePublishVolumeResponse>> {
  const id = requireVolumeId(req.volumeId);
  const paths = deps.host.paths;
  const staging = requireNodePath(deps, req.stagingTargetPath, "staging target path");
  const target = requireNodePath(deps, req.targetPath, "target path");
  if (target === staging) {
    throw new InvalidArgumentError(
      `Cannot publish volume "${id}" on "${shown(target)}": it is the staging target path`,
    );
  }
  requireCapability(id, req.volumeCapability);
  await requireNoSymlink(deps.host, deps.kubeletDir, target, "target path");
  const volume = await getVolume(deps, id, ctx.signal);
  const drive = await getVolumeDrive(deps, volume, ctx.signal);
  await requireNoForeignMount(deps, id, target);
  if (isSuspended(volume) || isSuspended(drive)) {
    await publishSuspended(deps, paths.host(target));
  } else if (req.volumeCapability?.block !== undefined) {
    requireStaged(volume, staging);
    const input = { volume, target: paths.host(target), readOnly: req.readonly };
    await publishBlock(deps, { ...input, signal: ctx.signal });
  } else {
    requireStaged(volume, staging);
    await publishStaged(deps, {
      id,
      staging: paths.host(staging),
      target: paths.host(target),
      readOnly: req.readonly,
    });
  }
  await faultPoint("node.publish.after-mount");
  const labels = await podLabels(deps, req.volumeContext, ctx.logger);
  await updateWithRetry(deps.kube.volumes, id, (v) => {
    v.metadata.labels = { ...v.metadata.labels, ...labels };
    v.status.targetPath = target;
    return undefined;
  });
  return {};
}

/**
 * Handles NodeUnpublishVolume: unmounts the volume's mounts at the target (a no-op when
 * none), removes the empty target directory (or the empty file a block volume was bound onto)
 * and clears `targetPath`. A missing volume counts as unpublished.
 *
 * @throws {InvalidArgumentError} for a bad id or path
 * @throws {FailedPreconditionError} when something else is mounted there
 */
export async function nodeUnpublishVolume(
  deps: NodeContext,
  req: csi.NodeUnpublishVolumeRequest,
  _ctx: CallContext,
): Promise<Reply<csi.NodeUnpublishVolumeResponse>> {
  const id = requireVolumeId(req.volumeId);
  const target = requireNodePath(deps, req.targetPath, "target path");
  const mapped = deps.host.paths.host(target);
  await unmountOwn(deps, id, target, "target path");
  const stacked = mountsAt(await deps.host.mounter.mountInfo(), mapped).length;
  const left = stacked === 0 ? await deps.host.fs.stat(mapped) : undefined;
  if (left?.isDirectory || (left?.isFile && left.size === 0)) {
    await deps.host.fs.remove(mapped).catch(() => {});
  }
  await clearPath(deps, id, "targetPath", target);
  return {};
}
