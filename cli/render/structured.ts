/**
 * Machine output: `-o json` is one `{"kind":"List","apiVersion":"v1","items":[…]}` document
 * (2-space indent); `-o yaml` is the same List as YAML. Install manifests are YAML documents
 * separated by `---`, or one JSON List.
 */
import { objectsToYAML, objectToYAML } from "../../lib/install/mod.ts";

/** Machine output formats. */
export type StructuredFormat = "json" | "yaml";

/** A `v1` List of the items. */
export function listOf(
  items: readonly object[],
): { kind: "List"; apiVersion: "v1"; items: object[] } {
  return { kind: "List", apiVersion: "v1", items: [...items] };
}

/** The items as one List document in the format, ending with a newline. */
export function renderList(items: readonly object[], format: StructuredFormat): string {
  const list = listOf(items);
  return format === "json" ? `${JSON.stringify(list, null, 2)}\n` : objectToYAML(list);
}

/** Objects as a manifest: YAML documents separated by `---`, or one JSON List. */
export function renderManifest(objects: readonly object[], format: StructuredFormat): string {
  return format === "json" ? renderList(objects, "json") : objectsToYAML(objects);
}
