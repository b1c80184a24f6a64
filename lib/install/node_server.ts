/**
 * The `node-server` DaemonSet (reference §5.1) and its legacy twin. By default the node server
 * registers itself with the kubelet and serves its own `/healthz`; `registrarSidecars` restores
 * DirectPV's layout with the node-driver-registrar and livenessprobe sidecars.
 */
import { IDENTITY, LEGACY_IDENTITY } from "../types/mod.ts";
import type { InstallArgs } from "./args.ts";
import { cleanDir, driverImage, sidecarImage } from "./args.ts";
import {
  commonPorts,
  CREATED_BY_ANNOTATION,
  CSI_DIR,
  CSI_ENDPOINT_ENV,
  HEALTHZ_PORT,
  HOST_DIRS,
  hostPathVolume,
  KUBE_NODE_NAME_ENV,
  LEGACY_NODE_SERVER,
  livenessProbe,
  LOG_LEVEL,
  METRICS_PORT,
  NAMESPACE,
  NODE_CONTROLLER,
  NODE_SERVER,
  pluginSocketDir,
  READINESS_PORT,
  readinessProbe,
  SELECTOR_KEY,
  SERVICE_SELECTOR_KEY,
  SOCKET_DIR_VOLUME,
  SOCKET_FILE,
  socketDirMount,
  UNIX_CSI_ENDPOINT,
  volumeMount,
  workload,
} from "./common.ts";
import type {
  Container,
  DaemonSet,
  HostPathVolume,
  PodSpec,
  SecurityContext,
  VolumeMount,
} from "./k8s_objects.ts";

const REGISTRATION_DIR_VOLUME = "registration-dir";
const PODS_DIR_VOLUME = "mountpoint-dir";
const PLUGINS_DIR_VOLUME = "plugins-dir";

function nodeVolumes(kubeletDir: string, socketDir: string): HostPathVolume[] {
  return [
    hostPathVolume(SOCKET_DIR_VOLUME, socketDir),
    hostPathVolume(PODS_DIR_VOLUME, `${kubeletDir}/pods`),
    hostPathVolume(REGISTRATION_DIR_VOLUME, registrationDir(kubeletDir)),
    hostPathVolume(PLUGINS_DIR_VOLUME, `${kubeletDir}/plugins`),
    ...Object.values(HOST_DIRS).map((dir) => hostPathVolume(dir.name, dir.path)),
  ];
}

/** The kubelet's plugin registration directory. */
function registrationDir(kubeletDir: string): string {
  return `${kubeletDir}/plugins_registry`;
}

/** The mounts of the node-server and node-controller containers. */
function nodeMounts(kubeletDir: string): VolumeMount[] {
  return [
    socketDirMount(),
    volumeMount(PODS_DIR_VOLUME, `${kubeletDir}/pods`, "Bidirectional"),
    volumeMount(PLUGINS_DIR_VOLUME, `${kubeletDir}/plugins`, "Bidirectional"),
    volumeMount(HOST_DIRS.appRoot.name, HOST_DIRS.appRoot.path, "Bidirectional"),
    volumeMount(HOST_DIRS.legacyAppRoot.name, HOST_DIRS.legacyAppRoot.path, "Bidirectional"),
    volumeMount(HOST_DIRS.sys.name, HOST_DIRS.sys.path, "Bidirectional"),
    volumeMount(HOST_DIRS.dev.name, HOST_DIRS.dev.path, "HostToContainer", { readOnly: true }),
    volumeMount(HOST_DIRS.udevData.name, HOST_DIRS.udevData.path, "Bidirectional", {
      readOnly: true,
    }),
  ];
}

function securityContext(seccompProfile: string): SecurityContext {
  return seccompProfile === "" ? { privileged: true } : {
    privileged: true,
    seccompProfile: { type: "Localhost", localhostProfile: seccompProfile },
  };
}

/** The flags of ours that DirectPV's node server lacks, added only when they change a default. */
export function extraNodeFlags(args: Pick<InstallArgs, "allowLoopDevices" | "quota">): string[] {
  return [
    ...(args.allowLoopDevices ? ["--allow-loop-devices"] : []),
    ...(args.quota !== "required" ? [`--quota=${args.quota}`] : []),
  ];
}

function registrarContainer(args: InstallArgs, socketDir: string): Container {
  return {
    name: "node-driver-registrar",
    image: sidecarImage(args, "nodeDriverRegistrar"),
    args: [
      `--v=${LOG_LEVEL}`,
      `--csi-address=${UNIX_CSI_ENDPOINT}`,
      `--kubelet-registration-path=${socketDir}${SOCKET_FILE}`,
    ],
    env: [structuredClone(KUBE_NODE_NAME_ENV)],
    volumeMounts: [socketDirMount(), volumeMount(REGISTRATION_DIR_VOLUME, "/registration", "None")],
    terminationMessagePath: "/var/log/driver-registrar-termination-log",
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/**
 * The node server's flags that replace the sidecars: register with the kubelet (which dials
 * the CSI socket in `socketDir` on the host) and serve `/healthz` on the liveness port.
 */
function selfRegistrationFlags(kubeletDir: string, socketDir: string): string[] {
  return [
    `--kubelet-registration-path=${socketDir}${SOCKET_FILE}`,
    `--plugin-registration-path=${registrationDir(kubeletDir)}`,
    `--health-port=${HEALTHZ_PORT}`,
  ];
}

/**
 * Whether the node controllers get their own container: when asked, and in DirectPV's sidecar
 * layout, whose users may run DirectPV's own image (which has no `--with-node-controller`).
 */
function separateNodeController(args: InstallArgs): boolean {
  return args.separateNodeController || args.registrarSidecars;
}

function nodeServerContainer(args: InstallArgs, kubeletDir: string, legacy: boolean): Container {
  const socketDir = pluginSocketDir(kubeletDir, legacy ? LEGACY_IDENTITY : IDENTITY);
  const flags = legacy
    ? [LEGACY_NODE_SERVER, `-v=${LOG_LEVEL}`]
    : [NODE_SERVER, `-v=${LOG_LEVEL}`, `--identity=${IDENTITY}`];
  flags.push("--csi-endpoint=$(CSI_ENDPOINT)", "--kube-node-name=$(KUBE_NODE_NAME)");
  flags.push(`--readiness-port=${READINESS_PORT}`);
  if (!legacy) flags.push(`--metrics-port=${METRICS_PORT}`);
  // Both roles run this driver: the node server mounts only below the kubelet directory.
  flags.push(`--kubelet-dir=${kubeletDir}`, ...extraNodeFlags(args));
  if (!args.registrarSidecars) flags.push(...selfRegistrationFlags(kubeletDir, socketDir));
  if (!legacy && !separateNodeController(args)) flags.push("--with-node-controller");
  const registrationMount = volumeMount(
    REGISTRATION_DIR_VOLUME,
    registrationDir(kubeletDir),
    "None",
  );
  return {
    name: NODE_SERVER,
    image: driverImage(args),
    args: flags,
    securityContext: securityContext(args.seccompProfile),
    env: [structuredClone(KUBE_NODE_NAME_ENV), structuredClone(CSI_ENDPOINT_ENV)],
    terminationMessagePath: "/var/log/driver-termination-log",
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [
      ...nodeMounts(kubeletDir),
      ...(args.registrarSidecars ? [] : [registrationMount]),
    ],
    ports: legacy
      ? commonPorts()
      : [...commonPorts(), { containerPort: METRICS_PORT, name: "metrics", protocol: "TCP" }],
    readinessProbe: readinessProbe(),
    livenessProbe: livenessProbe(),
  };
}

function nodeControllerContainer(args: InstallArgs, kubeletDir: string): Container {
  return {
    name: NODE_CONTROLLER,
    image: driverImage(args),
    args: [
      NODE_CONTROLLER,
      `-v=${LOG_LEVEL}`,
      "--kube-node-name=$(KUBE_NODE_NAME)",
      ...extraNodeFlags(args),
    ],
    securityContext: securityContext(args.seccompProfile),
    env: [structuredClone(KUBE_NODE_NAME_ENV)],
    terminationMessagePath: "/var/log/driver-termination-log",
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: nodeMounts(kubeletDir),
  };
}

function livenessProbeContainer(args: InstallArgs): Container {
  return {
    name: "liveness-probe",
    image: sidecarImage(args, "livenessProbe"),
    args: [`--csi-address=${CSI_DIR}${SOCKET_FILE}`, `--health-port=${HEALTHZ_PORT}`],
    terminationMessagePath: "/var/log/driver-liveness-termination-log",
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [socketDirMount()],
  };
}

function podSpec(args: InstallArgs, legacy: boolean): PodSpec {
  const kubeletDir = cleanDir(args.kubeletDir);
  const socketDir = pluginSocketDir(kubeletDir, legacy ? LEGACY_IDENTITY : IDENTITY);
  const sidecars = args.registrarSidecars;
  const containers = [
    ...(sidecars ? [registrarContainer(args, socketDir)] : []),
    nodeServerContainer(args, kubeletDir, legacy),
    ...(legacy || !separateNodeController(args) ? [] : [nodeControllerContainer(args, kubeletDir)]),
    ...(sidecars ? [livenessProbeContainer(args)] : []),
  ];
  return {
    serviceAccountName: IDENTITY,
    hostPID: true,
    ...(Object.keys(args.nodeSelector).length > 0
      ? { nodeSelector: { ...args.nodeSelector } }
      : {}),
    ...(args.tolerations.length > 0 ? { tolerations: structuredClone([...args.tolerations]) } : {}),
    ...(args.imagePullSecrets.length > 0
      ? { imagePullSecrets: args.imagePullSecrets.map((name) => ({ name })) }
      : {}),
    containers,
    volumes: nodeVolumes(kubeletDir, socketDir),
  };
}

function templateAnnotations(args: InstallArgs, spec: PodSpec): Record<string, string> {
  const annotations: Record<string, string> = { [CREATED_BY_ANNOTATION]: "kubectl-directpv" };
  if (args.apparmorProfile !== "") {
    for (const c of spec.containers) {
      annotations[`container.apparmor.security.beta.kubernetes.io/${c.name}`] =
        `localhost/${args.apparmorProfile}`;
    }
  }
  return annotations;
}

/**
 * The `node-server` DaemonSet: node-server running the node controllers too; with
 * `separateNodeController` also a node-controller container; with `registrarSidecars` the
 * node-driver-registrar and liveness-probe sidecars around them. With `legacy` the
 * `legacy-node-server` one (no node controllers).
 */
export function nodeServerDaemonSet(
  args: InstallArgs,
  options: { legacy?: boolean } = {},
): DaemonSet {
  const legacy = options.legacy ?? false;
  const { name, selector, metadata } = workload(args, "nodeServer", legacy);
  const spec = podSpec(args, legacy);
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata,
    spec: {
      selector: { matchLabels: { [SELECTOR_KEY]: selector } },
      template: {
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: { [SELECTOR_KEY]: selector, [SERVICE_SELECTOR_KEY]: "enabled" },
          annotations: templateAnnotations(args, spec),
        },
        spec,
      },
      updateStrategy: { type: "RollingUpdate" },
    },
  };
}
