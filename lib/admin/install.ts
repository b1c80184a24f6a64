/**
 * Live `install` (reference §1.4, DESIGN §3): apply the install objects in order, upgrading
 * what exists, run the DirectCSI migration in legacy mode, and keep an audit log.
 */
import { type AnyObject, type KubeClient, sleep } from "../k8s/mod.ts";
import { ifFound, NotFoundError, UnavailableError } from "../errors/mod.ts";
import {
  type ExistingSelectors,
  type InstallArgs,
  installObjects,
  isSupportedKubeVersion,
  kubeVersionFromServer,
  SNAPSHOT_GROUP,
  type SnapshotControllerMode,
} from "../install/mod.ts";
import {
  hasLegacyVolumes,
  migrateLegacy,
  type MigrationResult,
  type MigrationStep,
} from "../legacy/mod.ts";
import { CLI_NAME, GROUP, LABELS, NAMESPACE } from "../types/mod.ts";
import { type ApplyAction, applyObject } from "./apply.ts";
import { type AuditTarget, writeAuditLog } from "./audit.ts";
import { signalOption, silentReporter, type WriteRunOptions } from "./types.ts";

const SELECTOR_KEY = `selector.${GROUP}`;

/** Arguments of {@link install}. */
export interface InstallRunArgs extends WriteRunOptions {
  /** Install arguments; `kubeVersion` is replaced by the server's version. */
  args: InstallArgs;
  /** Where the audit log goes; skipped when absent, in a dry run, and when nothing was written. */
  audit?: AuditTarget;
  /** Called after each migration step that wrote something (see {@link MigrationStep}). */
  checkpoint?: (step: MigrationStep) => void;
}

/** One object install applied. */
export interface InstalledObject {
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

/** What install did. */
export interface InstallResult {
  objects: InstalledObject[];
  /** Present when legacy mode ran the DirectCSI migration. */
  migration?: MigrationResult;
  auditFile?: string;
}

async function selectorOf(
  kube: KubeClient,
  kind: "daemonSets" | "deployments",
  name: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const object = await ifFound(
    kube[kind].get(name, { namespace: NAMESPACE, ...signalOption(signal) }),
  );
  return object?.spec?.selector?.matchLabels?.[SELECTOR_KEY];
}

/** Selector values of installed workloads, so an upgrade keeps them (they are immutable). */
export async function existingSelectors(
  kube: KubeClient,
  signal?: AbortSignal,
): Promise<ExistingSelectors> {
  const out: ExistingSelectors = {};
  const found: Array<[keyof ExistingSelectors, string | undefined]> = [
    ["nodeServer", await selectorOf(kube, "daemonSets", "node-server", signal)],
    ["legacyNodeServer", await selectorOf(kube, "daemonSets", "legacy-node-server", signal)],
    ["controller", await selectorOf(kube, "deployments", "controller", signal)],
    ["legacyController", await selectorOf(kube, "deployments", "legacy-controller", signal)],
  ];
  for (const [key, value] of found) if (value) out[key] = value;
  return out;
}

/** Whether legacy mode is needed: migrated volumes exist, or DirectCSI volumes do. */
export async function needsLegacy(kube: KubeClient, signal?: AbortSignal): Promise<boolean> {
  try {
    const migrated = await kube.volumes.list({
      labelSelector: `${LABELS.migrated}=true`,
      limit: 1,
      ...signalOption(signal),
    });
    if (migrated.items.length > 0) return true;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  return await hasLegacyVolumes(kube, signal);
}

/** The CRD whose presence says the cluster has the VolumeSnapshot API. */
const VOLUME_SNAPSHOT_CRD = `volumesnapshots.${SNAPSHOT_GROUP}`;

/**
 * `auto` made definite: `yes` when the cluster has no VolumeSnapshot CRDs, or has the ones
 * an earlier install of ours added (an upgrade keeps them and the snapshot controller);
 * `no` when they came from elsewhere, which brings its own snapshot controller.
 */
export async function snapshotControllerFor(
  kube: KubeClient,
  mode: SnapshotControllerMode,
  signal?: AbortSignal,
): Promise<SnapshotControllerMode> {
  if (mode !== "auto") return mode;
  try {
    const crd = await kube.customResourceDefinitions.get(VOLUME_SNAPSHOT_CRD, signalOption(signal));
    return crd.metadata.labels?.[LABELS.createdBy] === CLI_NAME ? "yes" : "no";
  } catch (err) {
    if (err instanceof NotFoundError) return "yes";
    throw err;
  }
}

/**
 * The install arguments adjusted to the cluster: server version, legacy mode, selectors,
 * whether the snapshot controller goes in.
 */
export async function clusterInstallArgs(
  kube: KubeClient,
  run: InstallRunArgs,
): Promise<InstallArgs> {
  const reporter = run.reporter ?? silentReporter;
  const kubeVersion = kubeVersionFromServer(await kube.serverVersion());
  if (!isSupportedKubeVersion(kubeVersion)) {
    reporter.warn(
      `Installing on unsupported Kubernetes v${kubeVersion.major}.${kubeVersion.minor}`,
    );
  }
  const legacy = run.args.legacy || await needsLegacy(kube, run.signal);
  const snapshotController = await snapshotControllerFor(
    kube,
    run.args.snapshotController,
    run.signal,
  );
  if (snapshotController === "yes" && run.args.snapshotController === "auto") {
    reporter.info(
      "Installing the VolumeSnapshot CRDs and a snapshot controller: the cluster has none of " +
        "its own (--snapshot-controller=no leaves them out)",
    );
  }
  return {
    ...run.args,
    kubeVersion,
    legacy,
    snapshotController,
    existingSelectors: {
      ...await existingSelectors(kube, run.signal),
      ...run.args.existingSelectors,
    },
  };
}

function keyOf(object: AnyObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind}/${ns ? `${ns}/` : ""}${object.metadata.name}`;
}

/** How long install waits for new CRDs to be served. */
const CRD_READY_TIMEOUT_MS = 60_000;

/**
 * Waits until the DirectPV kinds can be listed: a CRD just created is served only after the
 * API server has set up its storage ("storage is (re)initializing" until then).
 */
export async function waitForCrds(
  kube: KubeClient,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? CRD_READY_TIMEOUT_MS);
  for (const resource of [kube.drives, kube.volumes, kube.nodes, kube.initRequests]) {
    for (;;) {
      try {
        await resource.list({ limit: 1, ...signalOption(options.signal) });
        break;
      } catch (err) {
        if (!(err instanceof UnavailableError || err instanceof NotFoundError)) throw err;
        if (Date.now() > deadline || options.signal?.aborted) {
          throw new UnavailableError(`${resource.kind} objects are not served yet: ${err.message}`);
        }
        await sleep(200, options.signal);
      }
    }
  }
}

async function runMigration(kube: KubeClient, run: InstallRunArgs): Promise<MigrationResult> {
  const reporter = run.reporter ?? silentReporter;
  reporter.update?.("migration", "active", "Migrating legacy drives and volumes");
  const migration = await migrateLegacy(kube, {
    ...(run.dryRun ? { dryRun: true } : {}),
    ...signalOption(run.signal),
    log: (message) => reporter.info(message),
    ...(run.checkpoint ? { checkpoint: run.checkpoint } : {}),
  });
  for (const { object, reason } of migration.skipped) reporter.info(`Skipped ${object}: ${reason}`);
  for (const error of migration.errors) reporter.warn(error);
  reporter.update?.("migration", migration.errors.length > 0 ? "failed" : "done", "Migration done");
  return migration;
}

/**
 * Applies every install object in order (create, or update what exists). In legacy mode the
 * DirectCSI migration runs after the CRDs. Writes the audit log unless dry-running.
 */
export async function install(kube: KubeClient, run: InstallRunArgs): Promise<InstallResult> {
  const reporter = run.reporter ?? silentReporter;
  const args = await clusterInstallArgs(kube, run);
  const objects = installObjects(args) as unknown as AnyObject[];
  const lastCrd = objects.findLastIndex((o) => o.kind === "CustomResourceDefinition");
  const result: InstallResult = { objects: [] };
  const written: AnyObject[] = [];
  reporter.begin?.(objects.length + (args.legacy ? 1 : 0));
  try {
    for (const [i, object] of objects.entries()) {
      const key = keyOf(object);
      reporter.update?.(key, "active", `Applying ${object.kind} ${object.metadata.name}`);
      const { action } = await applyObject(kube, object, run);
      if (action !== "unchanged") written.push(object);
      result.objects.push({
        kind: object.kind ?? "",
        name: object.metadata.name ?? "",
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        action,
      });
      reporter.update?.(key, "done", `${object.kind} ${object.metadata.name} ${action}`);
      if (i === lastCrd && !run.dryRun) await waitForCrds(kube, signalOption(run.signal));
      if (i === lastCrd && args.legacy) result.migration = await runMigration(kube, run);
    }
  } finally {
    reporter.end?.();
    if (run.audit && !run.dryRun && written.length > 0) {
      const file = await writeAuditLog(run.audit, written, reporter);
      if (file) result.auditFile = file;
    }
  }
  return result;
}
