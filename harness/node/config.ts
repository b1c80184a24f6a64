/**
 * The configuration files of a real node, as pure functions: containerd's `config.toml` and
 * registry hosts files, the loopback CNI network and the kubelet's `KubeletConfiguration`. Every
 * setting this machine needs is here with the reason (see docs/real-node.md).
 */
import { stringify } from "yaml";

/** Where one node keeps its files; every path is inside the node's own directory. */
export interface NodePaths {
  /** The node's directory. */
  dir: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  /** runc's state directory (`--root`), so two nodes never see each other's containers. */
  runcRoot: string;
  /** containerd's registry hosts directory (`certs.d/<host>/hosts.toml`). */
  registryHosts: string;
  cniConfDir: string;
  /** The kubelet's `--root-dir`, a shared bind mount of itself. */
  kubeletDir: string;
  kubeletConfig: string;
  /** `podLogsDir`: `<namespace>_<pod>_<uid>/<container>/<restart>.log`. */
  podLogsDir: string;
  /** A directory for hostPath volumes of test pods, a shared bind mount of itself. */
  hostDir: string;
  /** Loop-device backing files of this node (the node server's `--loop-backing-dir`). */
  loopDir: string;
  logsDir: string;
  stateFile: string;
}

/** The paths of a node whose directory is `dir`. */
export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    containerdConfig: `${dir}/containerd/config.toml`,
    containerdRoot: `${dir}/containerd/root`,
    containerdState: `${dir}/containerd/state`,
    containerdSocket: `${dir}/containerd/containerd.sock`,
    runcRoot: `${dir}/containerd/runc`,
    registryHosts: `${dir}/containerd/certs.d`,
    cniConfDir: `${dir}/cni`,
    kubeletDir: `${dir}/kubelet`,
    kubeletConfig: `${dir}/kubelet-config.yaml`,
    podLogsDir: `${dir}/pod-logs`,
    hostDir: `${dir}/host`,
    loopDir: `${dir}/disks`,
    logsDir: `${dir}/logs`,
    stateFile: `${dir}/node.json`,
  };
}

/** The registries whose image names resolve to the loopback registry. */
export const MIRRORED_REGISTRIES = ["docker.io", "ghcr.io", "quay.io", "registry.k8s.io"];

/** The sandbox (pause) image containerd runs for every pod; pushed by the harness. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** The directory of Debian's CNI plugins (`containernetworking-plugins`). */
export const CNI_BIN_DIR = "/usr/lib/cni";

/**
 * Plugins containerd need not load: the node uses overlayfs only, and NRI would open a socket
 * in `/var/run/nri` shared by every containerd on the machine.
 */
const DISABLED_PLUGINS = [
  "io.containerd.nri.v1.nri",
  "io.containerd.snapshotter.v1.blockfile",
  "io.containerd.snapshotter.v1.erofs",
  "io.containerd.snapshotter.v1.native",
  "io.containerd.internal.v1.tracing",
];

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** What {@link containerdConfig} needs besides the paths. */
export interface ContainerdSettings {
  /** The runc built by `harness/tools/build.sh`. */
  runcBinary: string;
}

/**
 * containerd's `config.toml` (version 3). `restrict_oom_score_adj` is required here: this
 * kernel refuses to lower `oom_score_adj`, and without it every sandbox dies in runc.
 */
export function containerdConfig(paths: NodePaths, settings: ContainerdSettings): string {
  const runtime = '[plugins."io.containerd.cri.v1.runtime"';
  const images = '[plugins."io.containerd.cri.v1.images"';
  return [
    "version = 3",
    `root = ${tomlString(paths.containerdRoot)}`,
    `state = ${tomlString(paths.containerdState)}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(tomlString).join(", ")}]`,
    "",
    "[grpc]",
    `  address = ${tomlString(paths.containerdSocket)}`,
    "[ttrpc]",
    `  address = ${tomlString(`${paths.containerdSocket}.ttrpc`)}`,
    "[debug]",
    '  address = ""',
    "[metrics]",
    '  address = ""',
    "",
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${tomlString(`${paths.dir}/containerd/opt`)}`,
    "",
    `${runtime}]`,
    "  restrict_oom_score_adj = true",
    "  enable_selinux = false",
    `${runtime}.containerd]`,
    '  default_runtime_name = "runc"',
    `${runtime}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${runtime}.containerd.runtimes.runc.options]`,
    `  BinaryName = ${tomlString(settings.runcBinary)}`,
    `  Root = ${tomlString(paths.runcRoot)}`,
    "  SystemdCgroup = false",
    `${runtime}.cni]`,
    `  bin_dirs = [${tomlString(CNI_BIN_DIR)}]`,
    `  conf_dir = ${tomlString(paths.cniConfDir)}`,
    "",
    `${images}]`,
    '  snapshotter = "overlayfs"',
    `${images}.pinned_images]`,
    `  sandbox = ${tomlString(PAUSE_IMAGE)}`,
    `${images}.registry]`,
    `  config_path = ${tomlString(paths.registryHosts)}`,
    "",
  ].join("\n");
}

/**
 * `certs.d/<registry>/hosts.toml` for one registry: every pull goes to the loopback registry
 * under `/v2/<registry>/...` (override_path), and the registry's own server is never tried, so
 * nothing leaves the machine and a missing image fails instead of being fetched elsewhere.
 */
export function registryHostsToml(registry: string, loopbackPort: number): string {
  return [
    `server = ${tomlString(`http://127.0.0.1:${loopbackPort}/v2/${registry}`)}`,
    'capabilities = ["pull", "resolve"]',
    "override_path = true",
    "",
  ].join("\n");
}

/**
 * The only network: loopback. Pods run with `hostNetwork: true` (a pod network would need an
 * address on the node, which test traffic must not have); the runtime still needs a CNI
 * configuration to report its network ready.
 */
export function cniConfig(): string {
  return JSON.stringify(
    { cniVersion: "1.0.0", name: "loopback", plugins: [{ type: "loopback" }] },
    null,
    2,
  ) + "\n";
}

/** Ports and names of one kubelet. */
export interface KubeletSettings {
  nodeName: string;
  /** The kubelet's API port on 127.0.0.1. */
  port: number;
  /** `/healthz` port on 127.0.0.1. */
  healthzPort: number;
}

/**
 * The kubelet's configuration file. cgroup v1 must be allowed explicitly (`failCgroupV1`);
 * QoS cgroups and node-allocatable enforcement are off (containers get containerd's cgroups,
 * `/k8s.io/<container id>`); eviction and image garbage collection are off so that a full disk on a shared machine
 * never evicts test pods; the API is served on loopback with anonymous AlwaysAllow access.
 */
export function kubeletConfig(paths: NodePaths, settings: KubeletSettings): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    address: "127.0.0.1",
    port: settings.port,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: settings.healthzPort,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    evictionHard: {},
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    podLogsDir: paths.podLogsDir,
    volumePluginDir: `${paths.dir}/volume-plugins`,
    resolvConf: "/etc/resolv.conf",
    serializeImagePulls: false,
    nodeStatusUpdateFrequency: "5s",
    syncFrequency: "10s",
    fileCheckFrequency: "10s",
    oomScoreAdj: 0,
    localStorageCapacityIsolation: false,
  });
}

/** The kubelet's command line. */
export function kubeletArgs(
  paths: NodePaths,
  settings: Pick<KubeletSettings, "nodeName">,
  kubeconfig: string,
): string[] {
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${paths.kubeletDir}`,
    `--cert-dir=${paths.kubeletDir}/pki`,
    `--hostname-override=${settings.nodeName}`,
    "--v=2",
  ];
}
