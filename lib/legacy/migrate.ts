/**
 * DirectCSI → DirectPV migration (reference §6): read the legacy objects at the version the
 * server prefers, upgrade them client-side, and create the DirectPV drives and volumes.
 * Errors are collected per object and do not stop the migration.
 */
import type { AnyObject, KubeClient, ResourceClient } from "../k8s/mod.ts";
import {
  AlreadyExistsError,
  errorMessage,
  FailedPreconditionError,
  ifFound,
  NotFoundError,
} from "../errors/mod.ts";
import {
  type DirectPVDrive,
  type DirectPVVolume,
  type KubeObject,
  LABELS,
  LEGACY_GROUP,
} from "../types/mod.ts";
import { upgradeDrive, upgradeVolume } from "./convert.ts";
import { isMigratableDrive, toDirectPVDrive, toDirectPVVolume } from "./mapping.ts";
import {
  type DirectCSIDrive,
  type DirectCSIVolume,
  LEGACY_KINDS,
  LEGACY_RESOURCES,
  LEGACY_VERSIONS,
  type LegacyVersion,
  MIGRATABLE_VERSIONS,
} from "./types.ts";

/** Options of {@link migrateLegacy}. */
export interface MigrateLegacyOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Progress lines (`Migrating directcsidrive X to directpvdrive Y`). */
  log?: (message: string) => void;
  /**
   * Called after each step that wrote something (`drive-migrated`, `volume-migrated`), so a
   * test can stop the process there; a no-op when omitted.
   */
  checkpoint?: (step: MigrationStep) => void;
}

/** The named steps of a migration, in the order they happen. */
export type MigrationStep = "drive-migrated" | "volume-migrated" | "backed-up" | "legacy-removed";

/** A legacy object the migration left alone, and why. */
export interface SkippedObject {
  /** `directcsidrive/<name>` or `directcsivolume/<name>`. */
  object: string;
  reason: string;
}

/** What a migration did. */
export interface MigrationResult {
  /** The legacy version read; undefined when DirectCSI is not installed. */
  version?: LegacyVersion;
  /** DirectPV drives created (or that would be, in a dry run). */
  drives: DirectPVDrive[];
  volumes: DirectPVVolume[];
  /** One message per object that could not be migrated. */
  errors: string[];
  /** Legacy objects not migrated on purpose (not Ready/InUse, or migrated before). */
  skipped: SkippedObject[];
  /** The legacy objects as read, for backups. */
  legacyDrives: AnyObject[];
  legacyVolumes: AnyObject[];
}

/** Orders Kubernetes API versions by priority: GA, then beta, then alpha, newest first. */
export function compareApiVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v([0-9]+)(?:(alpha|beta)([0-9]+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const level = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  return 0;
}

/** The version of a legacy kind the server prefers; undefined when its CRD is missing. */
export async function servedLegacyVersion(
  kube: KubeClient,
  plural: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const crd = await ifFound(
    kube.customResourceDefinitions.get(`${plural}.${LEGACY_GROUP}`, signal ? { signal } : {}),
  );
  if (crd === undefined) return undefined;
  const versions: Array<{ name: string; served?: boolean }> = crd.spec?.versions ?? [];
  return versions.filter((v) => v.served !== false).map((v) => v.name).sort(compareApiVersions)[0];
}

async function checkedVersion(
  kube: KubeClient,
  kind: keyof typeof LEGACY_KINDS,
  signal?: AbortSignal,
): Promise<LegacyVersion | undefined> {
  const version = await servedLegacyVersion(kube, LEGACY_RESOURCES[kind], signal);
  if (version === undefined) return undefined;
  if (!(MIGRATABLE_VERSIONS as readonly string[]).includes(version)) {
    throw new FailedPreconditionError(
      `Migration does not support ${
        LEGACY_KINDS[kind]
      } version ${version}; upgrade DirectCSI to v3.1.0 or later first`,
    );
  }
  return version as LegacyVersion;
}

/** The dynamic client of a legacy kind at a version. */
export function legacyClient(
  kube: KubeClient,
  kind: keyof typeof LEGACY_KINDS,
  version: LegacyVersion,
): ResourceClient<AnyObject> {
  return kube.resource(`${LEGACY_GROUP}/${version}`, LEGACY_KINDS[kind], {
    plural: LEGACY_RESOURCES[kind],
    namespaced: false,
  });
}

/** Whether any DirectCSIVolume exists (at any served version). */
export async function hasLegacyVolumes(kube: KubeClient, signal?: AbortSignal): Promise<boolean> {
  const version = await servedLegacyVersion(kube, LEGACY_RESOURCES.volume, signal);
  if (version === undefined || !(LEGACY_VERSIONS as readonly string[]).includes(version)) {
    return false;
  }
  const page = await legacyClient(kube, "volume", version as LegacyVersion)
    .list({ limit: 1, ...(signal ? { signal } : {}) });
  return page.items.length > 0;
}

interface CreateContext {
  kube: KubeClient;
  options: MigrateLegacyOptions;
  errors: string[];
  skipped: SkippedObject[];
}

/** Creates a DirectPV object; an existing migrated one counts as done. */
async function createMigrated<T extends KubeObject>(
  ctx: CreateContext,
  client: ResourceClient<T>,
  object: T,
  legacyName: string,
  noun: string,
): Promise<T | undefined> {
  const name = object.metadata.name ?? "";
  try {
    const created = await client.create(object, ctx.options.dryRun ? { dryRun: true } : {});
    return ctx.options.dryRun ? object : created;
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const existing = await client.get(name);
  if (existing.metadata.labels?.[LABELS.migrated] === "true") {
    ctx.options.log?.(`Legacy ${noun} ${legacyName} is already migrated to ${noun} ${name}`);
    ctx.skipped.push({
      object: `directcsi${noun}/${legacyName}`,
      reason: `already migrated to directpv${noun}/${name}`,
    });
    return existing;
  }
  ctx.errors.push(`Unable to migrate legacy ${noun} ${legacyName}; ${noun} ${name} already exists`);
  return undefined;
}

/** Legacy drive names by the filesystem UUID they claim (migratable drives only). */
function drivesByFsuuid(legacy: readonly DirectCSIDrive[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const drive of legacy.filter(isMigratableDrive)) {
    const fsuuid = drive.status?.filesystemUUID ?? "";
    out.set(fsuuid, [...out.get(fsuuid) ?? [], drive.metadata.name ?? ""]);
  }
  return out;
}

/**
 * Migrates the Ready/InUse legacy drives. Drives that claim the same filesystem UUID are
 * ambiguous: none of them is migrated (nor their volumes), and one error names them all.
 */
async function migrateDrives(
  ctx: CreateContext,
  legacy: readonly DirectCSIDrive[],
): Promise<Map<string, DirectPVDrive>> {
  const byLegacyName = new Map<string, DirectPVDrive>();
  const claims = drivesByFsuuid(legacy);
  for (const drive of legacy) {
    const legacyName = drive.metadata.name ?? "";
    if (!isMigratableDrive(drive)) {
      const status = drive.status?.driveStatus ?? "unknown";
      ctx.skipped.push({ object: `directcsidrive/${legacyName}`, reason: `status ${status}` });
      continue;
    }
    const fsuuid = drive.status?.filesystemUUID ?? "";
    const sharing = claims.get(fsuuid) ?? [];
    if (sharing.length > 1) {
      if (sharing[0] === legacyName) {
        ctx.errors.push(
          `Duplicate filesystem UUID "${fsuuid}" in legacy drives ${sharing.join(" and ")}; ` +
            "none of them is migrated",
        );
      }
      continue;
    }
    try {
      const target = toDirectPVDrive(drive);
      ctx.options.log?.(`Migrating directcsidrive ${legacyName} to directpvdrive ${fsuuid}`);
      const done = await createMigrated(ctx, ctx.kube.drives, target, legacyName, "drive");
      if (done) byLegacyName.set(legacyName, done);
      ctx.options.checkpoint?.("drive-migrated");
    } catch (err) {
      ctx.errors.push(errorMessage(err));
    }
  }
  return byLegacyName;
}

async function migrateVolumes(
  ctx: CreateContext,
  legacy: readonly DirectCSIVolume[],
  drives: ReadonlyMap<string, DirectPVDrive>,
): Promise<DirectPVVolume[]> {
  const out: DirectPVVolume[] = [];
  for (const volume of legacy) {
    const name = volume.metadata.name ?? "";
    const drive = drives.get(volume.status?.drive ?? "");
    if (!drive) {
      ctx.errors.push(`Referring drive ${volume.status?.drive ?? ""} of volume ${name} not found`);
      continue;
    }
    try {
      ctx.options.log?.(`Migrating directcsivolume ${name} to directpvvolume ${name}`);
      const done = await createMigrated(
        ctx,
        ctx.kube.volumes,
        toDirectPVVolume(volume, drive),
        name,
        "volume",
      );
      if (done) out.push(done);
      ctx.options.checkpoint?.("volume-migrated");
    } catch (err) {
      ctx.errors.push(errorMessage(err));
    }
  }
  return out;
}

/**
 * Migrates every Ready/InUse DirectCSI drive and the volumes on them. Does nothing when
 * DirectCSI's CRDs are absent.
 *
 * @throws {FailedPreconditionError} when the server serves a version older than v1beta3
 */
export async function migrateLegacy(
  kube: KubeClient,
  options: MigrateLegacyOptions = {},
): Promise<MigrationResult> {
  const result: MigrationResult = {
    drives: [],
    volumes: [],
    errors: [],
    skipped: [],
    legacyDrives: [],
    legacyVolumes: [],
  };
  const driveVersion = await checkedVersion(kube, "drive", options.signal);
  const volumeVersion = await checkedVersion(kube, "volume", options.signal);
  if (driveVersion === undefined) return result;
  result.version = driveVersion;
  const list = { limit: 200, ...(options.signal ? { signal: options.signal } : {}) };
  result.legacyDrives = await legacyClient(kube, "drive", driveVersion).listAll(list);
  result.legacyVolumes = volumeVersion === undefined
    ? []
    : await legacyClient(kube, "volume", volumeVersion).listAll(list);
  const ctx: CreateContext = { kube, options, errors: result.errors, skipped: result.skipped };
  const drives = await migrateDrives(
    ctx,
    result.legacyDrives.map((d) => upgradeDrive(d, driveVersion)),
  );
  result.drives = [...drives.values()];
  if (volumeVersion !== undefined) {
    const volumes = result.legacyVolumes.map((v) => upgradeVolume(v, volumeVersion));
    result.volumes = await migrateVolumes(ctx, volumes, drives);
  }
  return result;
}

/**
 * Clears the finalizers of the legacy objects a migration read and deletes them (after the
 * caller has backed them up). Returns how many objects were removed.
 */
export async function removeLegacyObjects(
  kube: KubeClient,
  result: MigrationResult,
  options: {
    dryRun?: boolean;
    signal?: AbortSignal;
    checkpoint?: (step: MigrationStep) => void;
  } = {},
): Promise<number> {
  const write = {
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let removed = 0;
  const version = result.version;
  if (version === undefined) return 0;
  const groups: Array<[keyof typeof LEGACY_KINDS, AnyObject[]]> = [
    ["volume", result.legacyVolumes],
    ["drive", result.legacyDrives],
  ];
  for (const [kind, objects] of groups) {
    const client = legacyClient(kube, kind, objectVersion(objects[0]) ?? version);
    for (const object of objects) {
      const name = object.metadata.name ?? "";
      try {
        if ((object.metadata.finalizers ?? []).length > 0) {
          const current = await client.get(name, write);
          current.metadata.finalizers = [];
          await client.update(current, write);
        }
        await client.delete(name, write);
        removed++;
        options.checkpoint?.("legacy-removed");
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }
  return removed;
}

function objectVersion(object: AnyObject | undefined): LegacyVersion | undefined {
  const v = object?.apiVersion?.split("/")[1];
  return (LEGACY_VERSIONS as readonly string[]).includes(v ?? "") ? v as LegacyVersion : undefined;
}
