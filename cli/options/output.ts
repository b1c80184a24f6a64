/** `-o/--output` values (reference §1.2). */
import { UsageError } from "../exit_codes.ts";

/** How `list` prints: a table, a wide table, or a List document. */
export type ListOutput = "table" | "wide" | "json" | "yaml";

/**
 * Parses `list`'s `-o`: empty for a table, or wide|json|yaml.
 *
 * @param options.wide whether the command has a wide form
 */
export function parseListOutput(
  value: string | undefined,
  options: { wide: boolean },
): ListOutput {
  if (value === undefined || value === "") return "table";
  if (value !== "wide" && value !== "json" && value !== "yaml") {
    throw new UsageError(
      `Invalid output "${value}": --output flag value must be one of wide|json|yaml or empty`,
    );
  }
  if (value === "wide" && !options.wide) {
    throw new UsageError('Invalid output "wide": wide option is not supported by this command');
  }
  return value;
}

/** Parses `install`'s `-o`: yaml or json (prints the manifest instead of installing). */
export function parseManifestOutput(value: string | undefined): "yaml" | "json" | undefined {
  if (value === undefined || value === "") return undefined;
  if (value !== "yaml" && value !== "json") {
    throw new UsageError(`Invalid output "${value}": --output flag value must be one of yaml|json`);
  }
  return value;
}
