/**
 * `migrate` (reference §1.11, §6): run the DirectCSI migration, then (without `retain`) back
 * up the legacy objects to YAML files and delete them.
 */
import type { AnyObject, KubeClient } from "../k8s/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import { objectToYAML } from "../install/mod.ts";
import {
  migrateLegacy,
  type MigrationResult,
  type MigrationStep,
  removeLegacyObjects,
} from "../legacy/mod.ts";
import { rfc3339Nano } from "./audit.ts";
import { type FileStore, signalOption, silentReporter, type WriteRunOptions } from "./types.ts";

/** Arguments of {@link migrate}. */
export interface MigrateArgs extends WriteRunOptions {
  /** Keep the legacy objects (no backup, no deletion). */
  retain?: boolean;
  /** Where backups go (the current directory). */
  backupDir: string;
  files: FileStore;
  now: Date;
  /** Called after each step that wrote something (see {@link MigrationStep}). */
  checkpoint?: (step: MigrationStep) => void;
}

/** What migrate did. */
export interface MigrateOutcome {
  migration: MigrationResult;
  /** Backup files written. */
  backups: string[];
  /** Legacy objects deleted. */
  removed: number;
}

/** A `List` document of objects, as YAML. */
export function listYaml(items: readonly AnyObject[]): string {
  return objectToYAML({ apiVersion: "v1", kind: "List", items });
}

async function backup(args: MigrateArgs, migration: MigrationResult): Promise<string[]> {
  const stamp = rfc3339Nano(args.now).replace(/\.[0-9]+Z$/, "Z");
  const out: string[] = [];
  const sets: Array<[string, AnyObject[]]> = [
    ["directcsidrives", migration.legacyDrives],
    ["directcsivolumes", migration.legacyVolumes],
  ];
  for (const [name, items] of sets) {
    const path = `${args.backupDir}/${name}-${stamp}.yaml`;
    await args.files.writeText(path, listYaml(items), { mode: 0o644 });
    out.push(path);
  }
  return out;
}

/**
 * Migrates DirectCSI drives and volumes. Without `retain`, backs the legacy objects up and
 * deletes them; in a dry run nothing is written.
 *
 * @throws {FailedPreconditionError} when some objects could not be migrated (nothing is
 *   deleted then)
 */
export async function migrate(kube: KubeClient, args: MigrateArgs): Promise<MigrateOutcome> {
  const reporter = args.reporter ?? silentReporter;
  const migration = await migrateLegacy(kube, {
    ...(args.dryRun ? { dryRun: true } : {}),
    ...signalOption(args.signal),
    log: (message) => reporter.info(message),
    ...(args.checkpoint ? { checkpoint: args.checkpoint } : {}),
  });
  if (migration.version === undefined) {
    reporter.info("No DirectCSI installation found; nothing to migrate");
    return { migration, backups: [], removed: 0 };
  }
  for (const { object, reason } of migration.skipped) reporter.info(`Skipped ${object}: ${reason}`);
  if (migration.errors.length > 0) {
    for (const error of migration.errors) reporter.warn(error);
    throw new FailedPreconditionError(
      `Migration failed: ${migration.errors.length} object(s) could not be migrated`,
    );
  }
  if (args.retain || args.dryRun) return { migration, backups: [], removed: 0 };
  const backups = await backup(args, migration);
  for (const file of backups) reporter.info(`Legacy objects backed up to ${file}`);
  args.checkpoint?.("backed-up");
  const removed = await removeLegacyObjects(kube, migration, {
    ...signalOption(args.signal),
    ...(args.checkpoint ? { checkpoint: args.checkpoint } : {}),
  });
  return { migration, backups, removed };
}
