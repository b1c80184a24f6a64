/**
 * The DirectPV CRDs (reference §2), each wrapping the schema lib/types defines for its kind
 * (DirectPV's v1beta1 schemas field for field, plus the optional fields listed in
 * `CRD_ADDITIONS`).
 */
import { crdSchemas, GROUP, type JSONSchemaProps, KINDS, VERSION } from "../types/mod.ts";
import { defaultLabels } from "./common.ts";
import type { CustomResourceDefinition } from "./k8s_objects.ts";

/**
 * Optional fields of ours that DirectPV's CRDs lack; DirectPV ignores them. Each is
 * `"<kind plural>:<schema path>"`.
 */
export const CRD_ADDITIONS = [
  "directpvnodes:.status.devices[].partTableType",
  "directpvnodes:.status.devices[].unknownData",
] as const;

function crd(kind: string, plural: string, schema: JSONSchemaProps): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GROUP}`, labels: defaultLabels() },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: plural.replace(/s$/, ""),
      },
      scope: "Cluster",
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: schema },
      }],
      conversion: { strategy: "None" },
    },
  };
}

/** The kinds of ours that DirectPV lacks, whose CRDs follow DirectPV's four. */
export const OWN_KINDS: readonly string[] = [KINDS.snapshot];

/**
 * The DirectPVDrive, DirectPVVolume, DirectPVNode and DirectPVInitRequest CRDs, in that order,
 * then ours (DirectPVSnapshot).
 */
export function crdObjects(): CustomResourceDefinition[] {
  return crdSchemas().map(({ kind, plural, schema }) => crd(kind, plural, schema));
}
