/**
 * The node server's copy into a volume made from a content source (`directpv.min.io/content-
 * source` annotation: `volume/<id>` or `snapshot/<id>`): a reflink copy of the source's
 * directory on the same drive, after which the volume is marked ContentCopied and the
 * controller's CreateVolume answers. A copy that cannot be made (no reflink, the source gone
 * or on another drive) is marked CopyFailed with the reason, for the controller to report.
 */
import { errorMessage, FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  ANNOTATIONS,
  type Condition,
  type ContentSource,
  COPY_CONDITIONS,
  copyStateOf,
  type DirectPVVolume,
  parseContentSource,
  withCondition,
} from "../../lib/types/mod.ts";
import type { NodeDeps } from "./deps.ts";
import { updateIfExists } from "../../lib/k8s/mod.ts";

/** A True condition of `type` stamped now. */
export function copyCondition(
  deps: NodeDeps,
  type: string,
  reason: string,
  message: string,
): Condition {
  const condition: Condition = {
    type,
    status: "True",
    reason,
    message,
    lastTransitionTime: (deps.now?.() ?? new Date()).toISOString(),
  };
  return condition;
}

/**
 * The FSUUID of the drive holding the source's data.
 *
 * @throws {FailedPreconditionError} when the source is gone
 */
async function sourceDrive(deps: NodeDeps, source: ContentSource, what: string): Promise<string> {
  try {
    if (source.kind === "volume") return (await deps.kube.volumes.get(source.name)).status.fsuuid;
    return (await deps.kube.snapshots.get(source.name)).spec.fsuuid;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new FailedPreconditionError(`${what}: ${source.kind} "${source.name}" not found`);
  }
}

async function mark(deps: NodeDeps, name: string, condition: Condition): Promise<void> {
  await updateIfExists(deps.kube.volumes, name, (fresh) => {
    fresh.status.conditions = withCondition(fresh.status.conditions, condition);
  });
}

/**
 * Copies a volume's content source into it once (see the module doc); a volume without a
 * source, or whose copy is done or failed, is left alone.
 *
 * @throws what the copy throws when it may work on a retry (drive not mounted yet, cp failed)
 */
export async function populateContent(deps: NodeDeps, volume: DirectPVVolume): Promise<void> {
  const source = parseContentSource(volume.metadata.annotations?.[ANNOTATIONS.contentSource]);
  if (!source || copyStateOf(volume.status.conditions).state !== "pending") return;
  const name = volume.metadata.name ?? "";
  const fsuuid = volume.status.fsuuid;
  const what = `Cannot copy ${source.kind} "${source.name}" into volume "${name}"`;
  try {
    const from = await sourceDrive(deps, source, what);
    if (from !== fsuuid) {
      throw new FailedPreconditionError(`${what}: it is on drive "${from}", not "${fsuuid}"`);
    }
    await deps.ops.reflinkCopy({ fsuuid, from: source, to: { kind: "volume", name } });
  } catch (err) {
    if (!(err instanceof FailedPreconditionError)) throw err;
    const message = err.message.startsWith(what) ? err.message : `${what}: ${err.message}`;
    deps.logger.warn("Cannot copy the content source", { volume: name, error: errorMessage(err) });
    await mark(deps, name, copyCondition(deps, COPY_CONDITIONS.copyFailed, "CopyFailed", message));
    return;
  }
  deps.logger.info("Copied the content source", { volume: name, source: source.name });
  const done = `Copied from ${source.kind} "${source.name}" by reflink`;
  await mark(deps, name, copyCondition(deps, COPY_CONDITIONS.contentCopied, "Copied", done));
}
