/**
 * The selector and mode flags that several commands share, declared once so that each reads
 * and parses the same everywhere. Commands add them with `.addOption(...)`; the flags only a
 * single command has stay in that command.
 */
import { Option } from "@commander-js/extra-typings";
import { collect } from "./values.ts";

/** A flag that may repeat and takes comma-separated values, collected into a list. */
export type ListFlag<Usage extends string> = Option<Usage, undefined, undefined, string[]>;

/** A flag without a value. */
export type SwitchFlag<Usage extends string> = Option<Usage>;

/** What a command's selectors pick. */
export type Selected = "drives" | "volumes" | "objects";

const SINGULAR: Record<Selected, string> = {
  drives: "drive",
  volumes: "volume",
  objects: "object",
};

/** `-n, --nodes`: objects on these nodes. */
export function nodesFlag(selected: Selected): ListFlag<"-n, --nodes <nodes>"> {
  return new Option(
    "-n, --nodes <nodes>",
    `Select ${selected} on these nodes (ellipsis allowed: node{1...4})`,
  ).argParser(collect);
}

/** `-d, --drives`: objects on drives with these device names. */
export function drivesFlag(selected: Selected): ListFlag<"-d, --drives <drives>"> {
  return new Option(
    "-d, --drives <drives>",
    `Select ${selected} on these drive names (ellipsis allowed: sd{a...f})`,
  ).argParser(collect);
}

/** `--status` of drives. */
export function driveStatusFlag(): ListFlag<"--status <status>"> {
  return new Option(
    "--status <status>",
    "Select drives by status (error|lost|moving|ready|removed)",
  ).argParser(collect);
}

/** `--status` of volumes. */
export function volumeStatusFlag(): ListFlag<"--status <status>"> {
  return new Option("--status <status>", "Select volumes by status (pending|ready)")
    .argParser(collect);
}

/** `--labels k=v,...`. */
export function labelsFlag(selected: Selected): ListFlag<"--labels <labels>"> {
  return new Option("--labels <labels>", `Select ${selected} by labels (k=v,...)`)
    .argParser(collect);
}

/** `--drive-id`: volumes on these drives. */
export function driveIdFlag(): ListFlag<"--drive-id <ids>"> {
  return new Option("--drive-id <ids>", "Select volumes on these drive IDs").argParser(collect);
}

/** `--pod-names`: volumes of these pods. */
export function podNamesFlag(): ListFlag<"--pod-names <names>"> {
  return new Option("--pod-names <names>", "Select volumes by pod name").argParser(collect);
}

/** `--pod-namespaces`: volumes of pods in these namespaces. */
export function podNamespacesFlag(): ListFlag<"--pod-namespaces <namespaces>"> {
  return new Option("--pod-namespaces <namespaces>", "Select volumes by pod namespace")
    .argParser(collect);
}

/** `--all`: every object, whatever the other selectors say. */
export function allFlag(selected: Selected): SwitchFlag<"--all"> {
  return new Option("--all", `Select every ${SINGULAR[selected]}`);
}

/** `--dry-run`; `what` says what the dry run does when it is more than the usual. */
export function dryRunFlag(
  what = "Show what would change without changing it",
): SwitchFlag<"--dry-run"> {
  return new Option("--dry-run", what);
}
