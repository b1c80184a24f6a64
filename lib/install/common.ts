/** Names, labels and building blocks shared by the installed objects (reference §5). */
import {
  ANNOTATIONS,
  APP_ROOT_DIR,
  CLI_NAME,
  GROUP,
  HEALTHZ_PATH,
  HEALTHZ_PORT,
  IDENTITY,
  LABELS,
  LEGACY_APP_ROOT_DIR,
  METRICS_PORT,
  NAMESPACE,
  type ObjectMeta,
  READINESS_PATH,
  READINESS_PORT,
  UDEV_DATA_DIR,
  VERSION,
} from "../types/mod.ts";
import type { ExistingSelectors, InstallArgs } from "./args.ts";
import type { ContainerPort, EnvVar, HostPathVolume, Probe, VolumeMount } from "./k8s_objects.ts";

export { IDENTITY, NAMESPACE };

/** Labels every installed object carries. */
export const DEFAULT_LABELS: Readonly<Record<string, string>> = {
  "application-name": GROUP,
  "application-type": "CSIDriver",
  [LABELS.createdBy]: CLI_NAME,
  [LABELS.version]: VERSION,
};

/** A fresh copy of the default labels (objects must not share one map). */
export function defaultLabels(): Record<string, string> {
  return { ...DEFAULT_LABELS };
}

/** Label key selecting the pods of a workload. */
export const SELECTOR_KEY = `selector.${GROUP}`;
/** Label marking node-server pods as service endpoints. */
export const SERVICE_SELECTOR_KEY = `selector.${GROUP}.service`;
/** Pod template annotation naming the creator. */
export const CREATED_BY_ANNOTATION = "created-by";
/** RBAC annotation letting the API server reconcile the rules. */
export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
/** Namespace label of Pod Security Admission. */
export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
/** Finalizer of the namespace and StorageClass. */
export const FOREGROUND_DELETION = "foregroundDeletion";

/** Subcommand and DaemonSet name of the node server. */
export const NODE_SERVER = "node-server";
/** Subcommand and DaemonSet name of the DirectCSI node server. */
export const LEGACY_NODE_SERVER = "legacy-node-server";
/** Subcommand and container name of the node controller. */
export const NODE_CONTROLLER = "node-controller";
/** Subcommand, container and Deployment name of the controller. */
export const CONTROLLER = "controller";
/** Subcommand and Deployment name of the DirectCSI controller. */
export const LEGACY_CONTROLLER = "legacy-controller";

/** Verbosity passed to every container. */
export const LOG_LEVEL = 3;
/** Name of the liveness port. */
export const HEALTHZ_PORT_NAME = "healthz";
/** Name of the readiness port. */
export const READINESS_PORT_NAME = "readinessport";
/** CSI endpoint inside the pods. */
export const UNIX_CSI_ENDPOINT = "unix:///csi/csi.sock";
/** Mount point of the CSI socket directory. */
export const CSI_DIR = "/csi";
/** CSI socket file name, with its slash. */
export const SOCKET_FILE = "/csi.sock";
/** Volume holding the CSI socket. */
export const SOCKET_DIR_VOLUME = "socket-dir";
export { HEALTHZ_PATH, HEALTHZ_PORT, METRICS_PORT, READINESS_PORT };

/** `KUBE_NODE_NAME` from the pod's node name. */
export const KUBE_NODE_NAME_ENV: EnvVar = {
  name: "KUBE_NODE_NAME",
  valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } },
};

/** `CSI_ENDPOINT` pointing at the socket. */
export const CSI_ENDPOINT_ENV: EnvVar = { name: "CSI_ENDPOINT", value: UNIX_CSI_ENDPOINT };

/** Host directories the node containers mount, beside the kubelet ones. */
export const HOST_DIRS = {
  appRoot: { name: "directpv-common-root", path: `${APP_ROOT_DIR}/` },
  legacyAppRoot: { name: "direct-csi-common-root", path: `${LEGACY_APP_ROOT_DIR}/` },
  sys: { name: "sysfs", path: "/sys" },
  dev: { name: "devfs", path: "/dev" },
  udevData: { name: "run-udev-data-dir", path: UDEV_DATA_DIR },
} as const;

/** A `DirectoryOrCreate` hostPath volume. */
export function hostPathVolume(name: string, path: string): HostPathVolume {
  return { name, hostPath: { path, type: "DirectoryOrCreate" } };
}

/** A volume mount with its propagation mode. */
export function volumeMount(
  name: string,
  mountPath: string,
  propagation: VolumeMount["mountPropagation"],
  options: { readOnly?: boolean } = {},
): VolumeMount {
  return options.readOnly
    ? { name, mountPath, mountPropagation: propagation, readOnly: true }
    : { name, mountPath, mountPropagation: propagation };
}

/** The socket directory mount every container of the pods has. */
export function socketDirMount(): VolumeMount {
  return volumeMount(SOCKET_DIR_VOLUME, CSI_DIR, "None");
}

/** `readinessport` and `healthz` ports. */
export function commonPorts(): ContainerPort[] {
  return [
    { containerPort: READINESS_PORT, name: READINESS_PORT_NAME, protocol: "TCP" },
    { containerPort: HEALTHZ_PORT, name: HEALTHZ_PORT_NAME, protocol: "TCP" },
  ];
}

const PROBE_TIMING = {
  initialDelaySeconds: 60,
  timeoutSeconds: 10,
  periodSeconds: 10,
  failureThreshold: 5,
} as const;

/** Readiness probe: GET `/ready` on `readinessport`. */
export function readinessProbe(): Probe {
  return {
    httpGet: { path: READINESS_PATH, port: READINESS_PORT_NAME, scheme: "HTTP" },
    ...PROBE_TIMING,
  };
}

/** Liveness probe: GET `/healthz` on `healthz` (the node server's own, or livenessprobe's). */
export function livenessProbe(): Probe {
  return { httpGet: { path: HEALTHZ_PATH, port: HEALTHZ_PORT_NAME }, ...PROBE_TIMING };
}

/** `<kubeletDir>/plugins/<name>`, the directory holding a driver's CSI socket. */
export function pluginSocketDir(kubeletDir: string, name: string): string {
  return `${kubeletDir}/plugins/${name}`;
}

/**
 * The two workloads and their DirectCSI twins: names, the prefix of their default pod selector
 * (DirectPV's, kept so an upgrade matches the pods it installed) and where an installed one's
 * selector is found.
 */
const WORKLOADS = {
  controller: {
    name: [CONTROLLER, LEGACY_CONTROLLER],
    selectorPrefix: CONTROLLER,
    existing: ["controller", "legacyController"],
  },
  nodeServer: {
    name: [NODE_SERVER, LEGACY_NODE_SERVER],
    selectorPrefix: IDENTITY,
    existing: ["nodeServer", "legacyNodeServer"],
  },
} as const satisfies Record<string, {
  name: readonly [string, string];
  selectorPrefix: string;
  existing: readonly [keyof ExistingSelectors, keyof ExistingSelectors];
}>;

/** A workload's name, pod selector value and object metadata. */
export interface Workload {
  name: string;
  selector: string;
  metadata: ObjectMeta & { name: string };
}

/**
 * Names a workload, or with `legacy` its DirectCSI twin. The selector is the one the installed
 * workload already has when there is one: a Deployment's or DaemonSet's selector cannot change.
 */
export function workload(
  args: InstallArgs,
  kind: keyof typeof WORKLOADS,
  legacy: boolean,
): Workload {
  const { name: names, selectorPrefix, existing } = WORKLOADS[kind];
  const which = legacy ? 1 : 0;
  const name = names[which];
  const selector = args.existingSelectors?.[existing[which]] || `${selectorPrefix}-${name}`;
  const metadata = {
    name,
    namespace: NAMESPACE,
    labels: defaultLabels(),
    annotations: { [ANNOTATIONS.imageTag]: args.imageTag },
  };
  return { name, selector, metadata };
}
