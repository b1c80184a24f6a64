/** The `controller` Deployment (reference §5.2) and its legacy twin. */
import type { InstallArgs } from "./args.ts";
import { cleanDir, driverImage, sidecarImage, tracksCapacity } from "./args.ts";
import {
  commonPorts,
  CONTROLLER,
  CREATED_BY_ANNOTATION,
  CSI_ENDPOINT_ENV,
  hostPathVolume,
  IDENTITY,
  KUBE_NODE_NAME_ENV,
  LEGACY_CONTROLLER,
  LOG_LEVEL,
  NAMESPACE,
  pluginSocketDir,
  READINESS_PORT,
  readinessProbe,
  SELECTOR_KEY,
  SOCKET_DIR_VOLUME,
  socketDirMount,
  workload,
} from "./common.ts";
import type { Container, Deployment, EnvVar, PodSpec } from "./k8s_objects.ts";

/**
 * The socket directory name of each controller Deployment. DirectPV's legacy controller shares
 * the main one's, so where pods of both land on one node the later removes the earlier's socket;
 * ours has its own.
 */
function controllerSocketName(legacy: boolean): string {
  return `${CONTROLLER}-${legacy ? LEGACY_CONTROLLER : CONTROLLER}`;
}
const REPLICAS = 3;

/**
 * How often csi-provisioner asks GetCapacity again: how stale a CSIStorageCapacity can be. A
 * claim scheduled on stale figures fails CreateVolume with RESOURCE_EXHAUSTED and is
 * rescheduled, so staleness costs a retry, never a wrong volume.
 */
export const CAPACITY_POLL_INTERVAL = "30s";

/**
 * The provisioner's capacity flags: CSIStorageCapacity objects owned by the Deployment (pod →
 * ReplicaSet → Deployment is two levels), so they go away with an uninstall.
 */
const CAPACITY_FLAGS = [
  "--enable-capacity",
  "--capacity-ownerref-level=2",
  `--capacity-poll-interval=${CAPACITY_POLL_INTERVAL}`,
];

/**
 * The sidecars' client to the API server. client-go's defaults (5 requests/s, burst 10) make
 * csi-provisioner queue every PV, event and claim update behind a 200 ms token when claims
 * arrive together: 500 claims take minutes of client-side throttling alone. The API server's
 * own flow control (priority and fairness) still protects it from a runaway sidecar.
 */
export const SIDECAR_API_FLAGS: readonly string[] = ["--kube-api-qps=50", "--kube-api-burst=100"];

/**
 * Claims csi-provisioner works on at once (its default is 100). Each one is a CreateVolume in
 * flight on the controller, which serialises reservations per drive anyway; more only
 * lengthens every call without placing volumes sooner.
 */
export const PROVISIONER_WORKER_FLAGS: readonly string[] = ["--worker-threads=20"];

/** The pod name and namespace the provisioner finds its owner from. */
const POD_IDENTITY_ENV: readonly EnvVar[] = [
  {
    name: "NAMESPACE",
    valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
  },
  { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
];

function sidecar(
  name: string,
  image: string,
  flags: string[],
  logName: string,
  env: readonly EnvVar[] = [],
): Container {
  return {
    name,
    image,
    args: [`--v=${LOG_LEVEL}`, "--timeout=300s", "--csi-address=$(CSI_ENDPOINT)", ...flags],
    env: [structuredClone(CSI_ENDPOINT_ENV), ...structuredClone(env)],
    volumeMounts: [socketDirMount()],
    terminationMessagePath: `/var/log/${logName}-termination-log`,
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: { privileged: true },
  };
}

function controllerContainer(args: InstallArgs, legacy: boolean): Container {
  const head = legacy ? [LEGACY_CONTROLLER] : [CONTROLLER, `--identity=${IDENTITY}`];
  return {
    name: CONTROLLER,
    image: driverImage(args),
    args: [
      ...head,
      `-v=${LOG_LEVEL}`,
      "--csi-endpoint=$(CSI_ENDPOINT)",
      "--kube-node-name=$(KUBE_NODE_NAME)",
      `--readiness-port=${READINESS_PORT}`,
      ...(!legacy && args.retireDeletedNodes ? ["--retire-deleted-nodes"] : []),
    ],
    securityContext: { privileged: true },
    ports: commonPorts(),
    readinessProbe: readinessProbe(),
    env: [structuredClone(KUBE_NODE_NAME_ENV), structuredClone(CSI_ENDPOINT_ENV)],
    volumeMounts: [socketDirMount()],
  };
}

/**
 * csi-snapshotter binds VolumeSnapshotContents to CreateSnapshot/DeleteSnapshot calls. The
 * legacy controller serves DirectCSI volumes, which have no snapshots, so it has none.
 */
function snapshotterSidecar(args: InstallArgs): Container {
  return sidecar(
    "csi-snapshotter",
    sidecarImage(args, "csiSnapshotter"),
    ["--leader-election"],
    "controller-csi-snapshotter",
  );
}

function controllerPodSpec(args: InstallArgs, legacy: boolean): PodSpec {
  const socketDir = pluginSocketDir(cleanDir(args.kubeletDir), controllerSocketName(legacy));
  const provisionerFlags = [
    "--leader-election",
    "--feature-gates=Topology=true",
    "--strict-topology",
    ...SIDECAR_API_FLAGS,
    ...PROVISIONER_WORKER_FLAGS,
  ];
  const capacity = !legacy && tracksCapacity(args);
  if (capacity) provisionerFlags.push(...CAPACITY_FLAGS);
  return {
    serviceAccountName: IDENTITY,
    ...(args.imagePullSecrets.length > 0
      ? { imagePullSecrets: args.imagePullSecrets.map((secret) => ({ name: secret })) }
      : {}),
    containers: [
      sidecar(
        "csi-provisioner",
        sidecarImage(args, "csiProvisioner"),
        provisionerFlags,
        "controller-provisioner",
        capacity ? POD_IDENTITY_ENV : [],
      ),
      sidecar(
        "csi-resizer",
        sidecarImage(args, "csiResizer"),
        ["--leader-election", ...SIDECAR_API_FLAGS],
        "controller-csi-resizer",
      ),
      controllerContainer(args, legacy),
      // After the controller, which keeps its place (third) for tools that look it up there.
      ...(legacy ? [] : [snapshotterSidecar(args)]),
    ],
    volumes: [hostPathVolume(SOCKET_DIR_VOLUME, socketDir)],
  };
}

/**
 * The `controller` Deployment (csi-provisioner, csi-resizer, csi-snapshotter, controller; 3 replicas,
 * Recreate), or with `legacy` the `legacy-controller` one.
 */
export function controllerDeployment(
  args: InstallArgs,
  options: { legacy?: boolean } = {},
): Deployment {
  const legacy = options.legacy ?? false;
  const { name, selector, metadata } = workload(args, "controller", legacy);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { [SELECTOR_KEY]: selector } },
      template: {
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: { [SELECTOR_KEY]: selector },
          annotations: { [CREATED_BY_ANNOTATION]: "kubectl-directpv" },
        },
        spec: controllerPodSpec(args, legacy),
      },
      strategy: { type: "Recreate" },
    },
  };
}
