/**
 * The VolumeSnapshot API (`snapshot.storage.k8s.io/v1`: VolumeSnapshotClass, VolumeSnapshot,
 * VolumeSnapshotContent) for clusters that lack it. Most distributions ship these CRDs with a
 * snapshot controller; install adds both only where they are missing. The schemas carry the
 * API's fields, required lists and immutability rules (CEL), so the snapshot controller and
 * csi-snapshotter of the external-snapshotter v8 line, and users' manifests, see the same API
 * as on a cluster that ships it. Only v1 is defined: the older versions are not served by v8.
 */
import { defaultLabels } from "./common.ts";
import type { JSONSchemaProps } from "../types/mod.ts";
import type { CustomResourceDefinition, PrinterColumn } from "./k8s_objects.ts";

/** The API group these CRDs define. */
export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

/**
 * Kubernetes API review approvals of this group's schemas; the API server reports a CRD in a
 * `*.k8s.io` group without one as not conformant to its API approval policy.
 */
const APPROVALS = {
  classes: "https://github.com/kubernetes-csi/external-snapshotter/pull/814",
  snapshots: "https://github.com/kubernetes-csi/external-snapshotter/pull/814",
  contents: "https://github.com/kubernetes-csi/external-snapshotter/pull/955",
} as const;

const str = (): JSONSchemaProps => ({ type: "string" });
const int64 = (): JSONSchemaProps => ({ type: "integer", format: "int64" });
const dateTime = (): JSONSchemaProps => ({ type: "string", format: "date-time" });
const deletionPolicy = (): JSONSchemaProps => ({ type: "string", enum: ["Delete", "Retain"] });

/** A string field that cannot change once set. */
function immutable(name: string): JSONSchemaProps {
  return {
    type: "string",
    "x-kubernetes-validations": [rule("self == oldSelf", `${name} is immutable`)],
  };
}

function rule(expression: string, message: string) {
  return { rule: expression, message };
}

function object(
  properties: Record<string, JSONSchemaProps>,
  extra: Partial<JSONSchemaProps> = {},
): JSONSchemaProps {
  return { type: "object", properties, ...extra };
}

/** The source of a snapshot: exactly one of two fields, each kept once set. */
function oneOfTwo(first: string, second: string): JSONSchemaProps {
  return object({ [first]: immutable(first), [second]: immutable(second) }, {
    "x-kubernetes-validations": [
      rule(`!has(oldSelf.${first}) || has(self.${first})`, `${first} cannot be removed`),
      rule(`!has(oldSelf.${second}) || has(self.${second})`, `${second} cannot be removed`),
      rule(
        `(has(self.${first}) && !has(self.${second})) || (!has(self.${first}) && has(self.${second}))`,
        `exactly one of ${first} and ${second} must be set`,
      ),
    ],
  });
}

/** The error a snapshot controller records: when and what. */
function snapshotError(): JSONSchemaProps {
  return object({ message: str(), time: dateTime() });
}

function root(properties: Record<string, JSONSchemaProps>, required: string[]): JSONSchemaProps {
  return object({ apiVersion: str(), kind: str(), metadata: { type: "object" }, ...properties }, {
    required,
  });
}

function classSchema(): JSONSchemaProps {
  return root({
    deletionPolicy: deletionPolicy(),
    driver: str(),
    parameters: { type: "object", additionalProperties: str() },
  }, ["deletionPolicy", "driver"]);
}

function snapshotSchema(): JSONSchemaProps {
  const spec = object({
    source: oneOfTwo("volumeSnapshotContentName", "persistentVolumeClaimName"),
    volumeSnapshotClassName: {
      type: "string",
      "x-kubernetes-validations": [
        rule("size(self) > 0", "volumeSnapshotClassName must not be empty"),
      ],
    },
  }, { required: ["source"] });
  const status = object({
    boundVolumeSnapshotContentName: str(),
    creationTime: dateTime(),
    error: snapshotError(),
    readyToUse: { type: "boolean" },
    restoreSize: {
      type: "string",
      "x-kubernetes-int-or-string": true,
      pattern:
        "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
    },
    volumeGroupSnapshotName: str(),
  });
  return root({ spec, status }, ["spec"]);
}

function contentSchema(): JSONSchemaProps {
  const reference = object({
    apiVersion: str(),
    fieldPath: str(),
    kind: str(),
    name: str(),
    namespace: str(),
    resourceVersion: str(),
    uid: str(),
  }, {
    "x-kubernetes-map-type": "atomic",
    "x-kubernetes-validations": [
      rule(
        "has(self.name) && has(self.__namespace__)",
        "volumeSnapshotRef needs a name and a namespace",
      ),
    ],
  });
  const spec = object({
    deletionPolicy: deletionPolicy(),
    driver: str(),
    source: oneOfTwo("volumeHandle", "snapshotHandle"),
    sourceVolumeMode: immutable("sourceVolumeMode"),
    volumeSnapshotClassName: str(),
    volumeSnapshotRef: reference,
  }, {
    required: ["deletionPolicy", "driver", "source", "volumeSnapshotRef"],
    "x-kubernetes-validations": [
      rule(
        "!has(oldSelf.sourceVolumeMode) || has(self.sourceVolumeMode)",
        "sourceVolumeMode cannot be removed",
      ),
    ],
  });
  const status = object({
    creationTime: int64(),
    error: snapshotError(),
    readyToUse: { type: "boolean" },
    restoreSize: { ...int64(), minimum: 0 },
    snapshotHandle: str(),
    volumeGroupSnapshotHandle: str(),
  });
  return root({ spec, status }, ["spec"]);
}

const column = (name: string, type: PrinterColumn["type"], jsonPath: string): PrinterColumn => ({
  name,
  type,
  jsonPath,
});
const AGE = column("Age", "date", ".metadata.creationTimestamp");

interface SnapshotKind {
  kind: string;
  plural: string;
  shortNames: string[];
  namespaced: boolean;
  approval: string;
  schema: JSONSchemaProps;
  columns: PrinterColumn[];
  /** Whether status is a subresource (written by the controllers only). */
  status: boolean;
}

function crd(kind: SnapshotKind): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${kind.plural}.${SNAPSHOT_GROUP}`,
      labels: defaultLabels(),
      annotations: { "api-approved.kubernetes.io": kind.approval },
    },
    spec: {
      group: SNAPSHOT_GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.kind.toLowerCase(),
        shortNames: kind.shortNames,
      },
      scope: kind.namespaced ? "Namespaced" : "Cluster",
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: kind.schema },
        ...(kind.status ? { subresources: { status: {} } } : {}),
        additionalPrinterColumns: kind.columns,
      }],
      conversion: { strategy: "None" },
    },
  };
}

/** VolumeSnapshotClass, VolumeSnapshotContent and VolumeSnapshot, in that order. */
export function snapshotCrdObjects(): CustomResourceDefinition[] {
  return [
    crd({
      kind: "VolumeSnapshotClass",
      plural: "volumesnapshotclasses",
      shortNames: ["vsclass", "vsclasses"],
      namespaced: false,
      approval: APPROVALS.classes,
      schema: classSchema(),
      columns: [
        column("Driver", "string", ".driver"),
        column("DeletionPolicy", "string", ".deletionPolicy"),
        AGE,
      ],
      // The API declares a status subresource for classes too, though they have no status.
      status: true,
    }),
    crd({
      kind: "VolumeSnapshotContent",
      plural: "volumesnapshotcontents",
      shortNames: ["vsc", "vscs"],
      namespaced: false,
      approval: APPROVALS.contents,
      schema: contentSchema(),
      columns: [
        column("ReadyToUse", "boolean", ".status.readyToUse"),
        column("RestoreSize", "integer", ".status.restoreSize"),
        column("DeletionPolicy", "string", ".spec.deletionPolicy"),
        column("Driver", "string", ".spec.driver"),
        column("VolumeSnapshotClass", "string", ".spec.volumeSnapshotClassName"),
        column("VolumeSnapshot", "string", ".spec.volumeSnapshotRef.name"),
        column("VolumeSnapshotNamespace", "string", ".spec.volumeSnapshotRef.namespace"),
        AGE,
      ],
      status: true,
    }),
    crd({
      kind: "VolumeSnapshot",
      plural: "volumesnapshots",
      shortNames: ["vs"],
      namespaced: true,
      approval: APPROVALS.snapshots,
      schema: snapshotSchema(),
      columns: [
        column("ReadyToUse", "boolean", ".status.readyToUse"),
        column("SourcePVC", "string", ".spec.source.persistentVolumeClaimName"),
        column("SourceSnapshotContent", "string", ".spec.source.volumeSnapshotContentName"),
        column("RestoreSize", "string", ".status.restoreSize"),
        column("SnapshotClass", "string", ".spec.volumeSnapshotClassName"),
        column("SnapshotContent", "string", ".status.boundVolumeSnapshotContentName"),
        column("CreationTime", "date", ".status.creationTime"),
        AGE,
      ],
      status: true,
    }),
  ];
}
