/**
 * Turning selector flags into lib/admin queries for the verbs that change things: something
 * must be selected (or `--all` given), or the command refuses with a usage error.
 */
import type { DriveQuery, VolumeQuery } from "../../lib/admin/mod.ts";
import { UsageError } from "../exit_codes.ts";
import {
  parseDriveIds,
  parseDriveNames,
  parseDriveStatuses,
  parseLabelSelectors,
  parseNodes,
  parsePodNames,
  parsePodNamespaces,
  parseVolumeNames,
  parseVolumeStatuses,
} from "./values.ts";

/** `--nodes` and `--drives` as commander hands them over (parents give them to subcommands). */
export interface NodeDriveFlags {
  nodes?: string[] | undefined;
  drives?: string[] | undefined;
}

/** Drive selector flags as commander hands them over. */
export interface DriveFlags extends NodeDriveFlags {
  status?: string[] | undefined;
  labels?: string[] | undefined;
  all?: boolean | undefined;
}

/** Volume selector flags as commander hands them over. */
export interface VolumeFlags extends NodeDriveFlags {
  driveId?: string[] | undefined;
  podNames?: string[] | undefined;
  podNamespaces?: string[] | undefined;
  status?: string[] | undefined;
  labels?: string[] | undefined;
  all?: boolean | undefined;
}

/** Whether a query selects anything (has a non-empty member). */
export function isSelected(query: object): boolean {
  return Object.values(query).some((v) =>
    Array.isArray(v) ? v.length > 0 : typeof v === "object" && Object.keys(v).length > 0
  );
}

function compact<T extends object>(query: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v) ? v.length > 0 : Object.keys(v as object).length > 0) out[k] = v;
  }
  return out as T;
}

/** `query`, when it selects something or `--all` is given; else a usage error saying `refusal`. */
function selected<Q extends object>(
  query: Q,
  flags: { all?: boolean | undefined },
  refusal: string,
): Q {
  if (!flags.all && !isSelected(query)) throw new UsageError(refusal);
  return query;
}

/** The drive query the flags describe (empty members left out; `--all` gives `{}`). */
export function driveQuery(ids: readonly string[], flags: DriveFlags): DriveQuery {
  if (flags.all) return {};
  return compact<DriveQuery>({
    nodes: parseNodes(flags.nodes ?? []),
    driveNames: parseDriveNames(flags.drives ?? []),
    driveIds: parseDriveIds(ids),
    statuses: parseDriveStatuses(flags.status ?? []),
    labels: parseLabelSelectors(flags.labels ?? []),
  });
}

/**
 * The drive query of a verb. `--all` selects everything.
 *
 * @throws {UsageError} `No drive selected to <verb>` when nothing is selected
 */
export function driveSelection(
  ids: readonly string[],
  flags: DriveFlags,
  verb: string,
): DriveQuery {
  return selected(driveQuery(ids, flags), flags, `No drive selected to ${verb}`);
}

/** The volume query the flags describe (empty members left out; `--all` gives `{}`). */
export function volumeQuery(names: readonly string[], flags: VolumeFlags): VolumeQuery {
  if (flags.all) return {};
  return compact<VolumeQuery>({
    nodes: parseNodes(flags.nodes ?? []),
    driveNames: parseDriveNames(flags.drives ?? []),
    driveIds: parseDriveIds(flags.driveId ?? []),
    podNames: parsePodNames(flags.podNames ?? []),
    podNamespaces: parsePodNamespaces(flags.podNamespaces ?? []),
    volumeNames: parseVolumeNames(names),
    statuses: parseVolumeStatuses(flags.status ?? []),
    labels: parseLabelSelectors(flags.labels ?? []),
  });
}

/**
 * The volume query of a verb. `--all` selects everything.
 *
 * @throws {UsageError} `No volume selected to <verb>` when nothing is selected
 */
export function volumeSelection(
  names: readonly string[],
  flags: VolumeFlags,
  verb: string,
): VolumeQuery {
  return selected(volumeQuery(names, flags), flags, `No volume selected to ${verb}`);
}
