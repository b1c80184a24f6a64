/** Writes `drives.yaml` with comments that explain it. */
import { Document, isMap, isScalar, isSeq, Scalar } from "yaml";
import type { InitConfig, InitConfigDrive } from "./init_config.ts";

/** Makes `YAMLMap.get` return the scalar node (with its range), not its value. */
const KEEP_SCALAR = true;

/** The comment block at the top of every written init config. */
export const INIT_CONFIG_HEADER = [
  " Drives found by `kubectl directpv discover`, to be initialized by `kubectl directpv init`.",
  "",
  ' A drive is initialized only when its `select` is "yes". Change it to "no", or delete',
  " the drive's entry, to leave that drive alone. `fs` names what is already on the drive",
  " (a filesystem, RAID member, volume, partition table...).",
  "",
  ' A drive marked `force: "no"` holds data of no known format: it is not selected, and init',
  ' refuses it unless both its `select` and its `force` are "yes".',
  "",
  " WARNING: init formats every selected drive with XFS and PERMANENTLY ERASES ALL DATA on",
  " it, including any existing filesystem. Review this file carefully before running init.",
].join("\n");

const FS_COMMENT = " existing content; init erases it";
const FORCE_COMMENT = ' holds data of no known format; "yes" here and in select erases it';

function driveToPlain(drive: InitConfigDrive): Record<string, unknown> {
  return {
    id: drive.id,
    name: drive.name,
    size: drive.size,
    make: drive.make,
    ...(drive.fs ? { fs: drive.fs } : {}),
    ...(drive.select !== undefined && drive.select !== "" ? { select: drive.select } : {}),
    ...(drive.force !== undefined && drive.force !== "" ? { force: drive.force } : {}),
  };
}

function toPlain(config: InitConfig): Record<string, unknown> {
  const nodes = config.nodes.map((node) =>
    node.drives && node.drives.length > 0
      ? { name: node.name, drives: node.drives.map(driveToPlain) }
      : { name: node.name }
  );
  return nodes.length > 0 ? { version: config.version, nodes } : { version: config.version };
}

/** Quotes every `select` and `force` value and comments every `fs` and `force` value. */
function decorate(doc: Document): void {
  const nodes = isMap(doc.contents) ? doc.contents.get("nodes") : undefined;
  if (!isSeq(nodes)) return;
  for (const node of nodes.items) {
    const drives = isMap(node) ? node.get("drives") : undefined;
    if (!isSeq(drives)) continue;
    for (const drive of drives.items) {
      if (!isMap(drive)) continue;
      const select = drive.get("select", KEEP_SCALAR);
      if (isScalar(select)) select.type = Scalar.QUOTE_DOUBLE;
      const fs = drive.get("fs", KEEP_SCALAR);
      if (isScalar(fs)) fs.comment = FS_COMMENT;
      const force = drive.get("force", KEEP_SCALAR);
      if (isScalar(force)) {
        force.type = Scalar.QUOTE_DOUBLE;
        force.comment = FORCE_COMMENT;
      }
    }
  }
}

/**
 * Renders an init config as `drives.yaml` text: 4-space indentation, `select` and `force`
 * values double-quoted, a header comment explaining `select` and `force` and warning that
 * init erases the selected drives, and a note on every drive that already holds something.
 */
export function writeInitConfig(config: InitConfig): string {
  const doc = new Document(toPlain(config));
  doc.commentBefore = INIT_CONFIG_HEADER;
  decorate(doc);
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 });
}
