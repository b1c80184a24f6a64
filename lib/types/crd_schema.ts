/**
 * The OpenAPI v3 schemas of the DirectPV kinds (reference §2), field for field as DirectPV's
 * v1beta1 CRDs declare them: names, types, formats, required lists and list types. They sit
 * with the types they describe so that the CRDs install applies (lib/install) and the fake
 * API server's pruning (lib/k8s) read one definition.
 */
import { KINDS, RESOURCES } from "./consts.ts";

/** OpenAPI v3 schema as CRDs use it. */
export interface JSONSchemaProps {
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "boolean" | "number";
  format?: string;
  enum?: string[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  "x-kubernetes-list-type"?: "atomic" | "map" | "set";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-int-or-string"?: boolean;
  /** CEL rules the API server checks on create and update (`oldSelf` on update). */
  "x-kubernetes-validations"?: Array<{ rule: string; message: string }>;
}

const str = (): JSONSchemaProps => ({ type: "string" });
const bool = (): JSONSchemaProps => ({ type: "boolean" });
const int64 = (): JSONSchemaProps => ({ type: "integer", format: "int64" });

/** An object schema; `required` is kept sorted, as controller-gen writes it. */
function object(
  properties: Record<string, JSONSchemaProps>,
  options: { required?: string[]; description?: string } = {},
): JSONSchemaProps {
  return {
    ...(options.description ? { description: options.description } : {}),
    type: "object",
    properties,
    ...(options.required ? { required: [...options.required].sort() } : {}),
  };
}

function atomicList(items: JSONSchemaProps): JSONSchemaProps {
  return { type: "array", items, "x-kubernetes-list-type": "atomic" };
}

/** `metav1.Condition`, a list keyed by `type`. */
function conditions(): JSONSchemaProps {
  return {
    type: "array",
    items: object({
      lastTransitionTime: { type: "string", format: "date-time" },
      message: { type: "string", maxLength: 32768 },
      observedGeneration: { type: "integer", format: "int64", minimum: 0 },
      reason: {
        type: "string",
        maxLength: 1024,
        minLength: 1,
        pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      type: {
        type: "string",
        maxLength: 316,
        pattern:
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      },
    }, {
      required: ["lastTransitionTime", "message", "reason", "status", "type"],
      description: "A condition of the object (metav1.Condition).",
    }),
    "x-kubernetes-list-map-keys": ["type"],
    "x-kubernetes-list-type": "map",
  };
}

/** The root schema: apiVersion, kind, metadata, then spec/status. */
function root(
  description: string,
  properties: Record<string, JSONSchemaProps>,
  required: string[],
): JSONSchemaProps {
  return object({
    apiVersion: str(),
    kind: str(),
    metadata: { type: "object" },
    ...properties,
  }, { description, required });
}

function driveSchema(): JSONSchemaProps {
  return root("A drive formatted and managed by DirectPV; its name is the XFS UUID.", {
    spec: object({ relabel: bool(), unschedulable: bool() }),
    status: object({
      allocatedCapacity: int64(),
      conditions: conditions(),
      freeCapacity: int64(),
      fsuuid: str(),
      make: str(),
      status: str(),
      topology: { type: "object", additionalProperties: str() },
      totalCapacity: int64(),
    }, {
      required: [
        "allocatedCapacity",
        "freeCapacity",
        "fsuuid",
        "status",
        "topology",
        "totalCapacity",
      ],
    }),
  }, ["metadata", "status"]);
}

function volumeSchema(): JSONSchemaProps {
  return root("A volume provisioned on a DirectPV drive; its name is the PV name.", {
    status: object({
      availableCapacity: int64(),
      conditions: conditions(),
      dataPath: str(),
      fsuuid: str(),
      stagingTargetPath: str(),
      status: str(),
      targetPath: str(),
      totalCapacity: int64(),
      usedCapacity: int64(),
    }, {
      required: [
        "availableCapacity",
        "dataPath",
        "fsuuid",
        "stagingTargetPath",
        "status",
        "targetPath",
        "totalCapacity",
        "usedCapacity",
      ],
    }),
  }, ["metadata", "status"]);
}

function nodeSchema(): JSONSchemaProps {
  const device = object({
    deniedReason: str(),
    fsType: str(),
    fsuuid: str(),
    id: str(),
    majorMinor: str(),
    make: str(),
    name: str(),
    partTableType: str(),
    size: int64(),
    unknownData: str(),
  }, { required: ["id", "majorMinor", "name", "size"] });
  return root("The devices of one node; its name is the node name.", {
    spec: object({ refresh: bool() }),
    status: object({ conditions: conditions(), devices: atomicList(device) }, {
      required: ["devices"],
    }),
  }, ["metadata", "status"]);
}

function initRequestSchema(): JSONSchemaProps {
  const device = object({ force: bool(), id: str(), name: str() }, {
    required: ["force", "id", "name"],
  });
  const result = object({ error: str(), name: str() }, { required: ["name"] });
  return root("A request to initialize devices of one node.", {
    spec: object({ devices: atomicList(device) }, { required: ["devices"] }),
    status: object({ results: atomicList(result), status: str() }, {
      required: ["results", "status"],
    }),
  }, ["metadata", "spec", "status"]);
}

/** Ours (DirectPV has no snapshots): a reflink copy of a volume kept on its drive. */
function snapshotSchema(): JSONSchemaProps {
  return root("A read-only reflink snapshot of a volume, kept on the volume's drive.", {
    spec: object({ fsuuid: str(), sizeBytes: int64(), sourceVolume: str() }, {
      required: ["fsuuid", "sizeBytes", "sourceVolume"],
    }),
    status: object({
      conditions: conditions(),
      creationTime: { type: "string", format: "date-time" },
      readyToUse: bool(),
    }, { required: ["readyToUse"] }),
  }, ["metadata", "spec", "status"]);
}

/** The schema of one DirectPV kind, with the kind and its plural resource name. */
export interface KindSchema {
  kind: string;
  plural: string;
  schema: JSONSchemaProps;
}

/**
 * The schemas of DirectPVDrive, DirectPVVolume, DirectPVNode and DirectPVInitRequest, in that
 * order, then ours (DirectPVSnapshot). Each call builds fresh objects.
 */
export function crdSchemas(): KindSchema[] {
  return [
    { kind: KINDS.drive, plural: RESOURCES.drive, schema: driveSchema() },
    { kind: KINDS.volume, plural: RESOURCES.volume, schema: volumeSchema() },
    { kind: KINDS.node, plural: RESOURCES.node, schema: nodeSchema() },
    { kind: KINDS.initRequest, plural: RESOURCES.initRequest, schema: initRequestSchema() },
    { kind: KINDS.snapshot, plural: RESOURCES.snapshot, schema: snapshotSchema() },
  ];
}
