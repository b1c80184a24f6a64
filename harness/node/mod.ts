/**
 * Real Kubernetes nodes on this machine: containerd + runc + kubelet per node (each in its own
 * directory, cgroup root and ports), the loopback registry with the standard images, the
 * real-node environment (control plane with kube-scheduler, registry, nodes), the patch for the
 * objects `install` creates, and helpers for scenarios with real pods.
 * May import: lib/errors, lib/log, harness/lib, harness/cluster, harness/loop.
 * @module
 */
export {
  CNI_BIN_DIR,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  MIRRORED_REGISTRIES,
  type NodePaths,
  nodePaths,
  PAUSE_IMAGE,
  registryHostsToml,
} from "./config.ts";
export { NODE_TOOLS, RealNode, startNode, type StartNodeOptions } from "./node.ts";
export { stopNode } from "./stop.ts";
export { type RuncContainer, runcContainers, shimPids } from "./host.ts";
export {
  fullImageName,
  type ImageSpec,
  loopbackRef,
  type LoopbackRegistry,
  pushArchive,
  pushImage,
} from "./registry.ts";
export {
  BUSYBOX_IMAGE,
  CSI_PROVISIONER_IMAGE,
  CSI_RESIZER_IMAGE,
  CSI_SNAPSHOTTER_IMAGE,
  KUBECTL_IMAGE,
} from "./images.ts";
export {
  type Interrupt,
  Interrupted,
  interruptOnSignals,
  nodeDir,
  openRealEnv,
  REAL_NODE_TOOLS,
  type RealEnv,
  type RealEnvOptions,
  startEnvNode,
  startRealEnv,
  stopRealEnv,
} from "./env.ts";
export {
  applyObjects,
  containerLog,
  describePod,
  execInContainer,
  getPod,
  parseCriLog,
  type PodObject,
  realNodePod,
  shellPod,
  type ShellPodSpec,
  type TestContainer,
  type TestPodSpec,
  waitPod,
  type WaitPodOptions,
} from "./pods.ts";
export {
  INSTALL_GATE_FLAG,
  INSTALL_GATE_LABEL,
  patchInstalled,
  patchPodSpec,
  REAL_NODE_INSTALL_FLAGS,
  type RealNodePatchOptions,
  REDIRECTED_HOST_DIRS,
} from "./patch.ts";
