/** The subset of Kubernetes object shapes that install creates, as plain data. */
import type { JSONSchemaProps, KubeObject, ObjectMeta } from "../types/mod.ts";

/** An object with its type fields set. */
export interface TypedObject extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
}

/** `v1` Namespace. */
export interface Namespace extends TypedObject {
  kind: "Namespace";
}

/** `v1` ServiceAccount. */
export interface ServiceAccount extends TypedObject {
  kind: "ServiceAccount";
}

/** One RBAC rule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The subject of a binding. */
export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

/** The role a binding grants. */
export interface RoleRef {
  apiGroup: string;
  kind: "ClusterRole" | "Role";
  name: string;
}

/** ClusterRole or Role. */
export interface ClusterRole extends TypedObject {
  kind: "ClusterRole" | "Role";
  rules: PolicyRule[];
}

/** ClusterRoleBinding or RoleBinding. */
export interface RoleBinding extends TypedObject {
  kind: "ClusterRoleBinding" | "RoleBinding";
  subjects: Subject[];
  roleRef: RoleRef;
}

/** A column `kubectl get` prints for a custom resource. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "boolean" | "date";
  jsonPath: string;
  description?: string;
}

/** `apiextensions.k8s.io/v1` CustomResourceDefinition. */
export interface CustomResourceDefinition extends TypedObject {
  kind: "CustomResourceDefinition";
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
    };
    scope: "Cluster" | "Namespaced";
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }>;
    conversion: { strategy: "None" };
  };
}

/** `storage.k8s.io` CSIDriver. */
export interface CSIDriver extends TypedObject {
  kind: "CSIDriver";
  spec: {
    podInfoOnMount: boolean;
    attachRequired: boolean;
    volumeLifecycleModes: string[];
    storageCapacity?: boolean;
  };
}

/** `storage.k8s.io` StorageClass. */
export interface StorageClass extends TypedObject {
  kind: "StorageClass";
  provisioner: string;
  parameters: Record<string, string>;
  reclaimPolicy: "Delete" | "Retain";
  allowVolumeExpansion: boolean;
  volumeBindingMode: "WaitForFirstConsumer" | "Immediate";
  allowedTopologies: Array<{
    matchLabelExpressions: Array<{ key: string; values: string[] }>;
  }>;
}

/** The effects a toleration may name. */
export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

/** `core/v1` Toleration as install sets it. */
export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: TaintEffect;
}

/** A container environment variable. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { apiVersion: string; fieldPath: string } };
}

/** A container volume mount. */
export interface VolumeMount {
  name: string;
  mountPath: string;
  mountPropagation: "None" | "HostToContainer" | "Bidirectional";
  readOnly?: boolean;
}

/** A pod volume from a host directory. */
export interface HostPathVolume {
  name: string;
  hostPath: { path: string; type: "DirectoryOrCreate" };
}

/** A named container port. */
export interface ContainerPort {
  containerPort: number;
  name: string;
  protocol: "TCP";
}

/** An HTTP readiness or liveness probe. */
export interface Probe {
  httpGet: { path: string; port: string; scheme?: "HTTP" };
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  failureThreshold: number;
}

/** A container security context. */
export interface SecurityContext {
  privileged: boolean;
  seccompProfile?: { type: "Localhost"; localhostProfile: string };
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop: string[] };
}

/** A pod container. */
export interface Container {
  name: string;
  image: string;
  args: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: SecurityContext;
  volumeMounts: VolumeMount[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: "FallbackToLogsOnError";
}

/** A pod spec. */
export interface PodSpec {
  serviceAccountName: string;
  hostPID?: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  imagePullSecrets?: Array<{ name: string }>;
  containers: Container[];
  volumes: HostPathVolume[];
}

/** A pod template. */
export interface PodTemplate {
  metadata: ObjectMeta & { name: string };
  spec: PodSpec;
}

/** `apps/v1` DaemonSet. */
export interface DaemonSet extends TypedObject {
  kind: "DaemonSet";
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
    updateStrategy: { type: "RollingUpdate" };
  };
}

/** `apps/v1` Deployment. */
export interface Deployment extends TypedObject {
  kind: "Deployment";
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
    strategy: { type: "Recreate" };
  };
}

/** Any object install applies. */
export type InstallObject =
  | Namespace
  | ServiceAccount
  | ClusterRole
  | RoleBinding
  | CustomResourceDefinition
  | CSIDriver
  | StorageClass
  | DaemonSet
  | Deployment;
