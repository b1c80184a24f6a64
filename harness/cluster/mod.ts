/**
 * A local Kubernetes control plane for tests and scenarios: etcd, kube-apiserver and
 * kube-controller-manager (PV and service-account controllers; with `workloads` also the
 * workload controllers and kube-scheduler) as detached loopback processes, stopped by PID.
 * May import: lib/errors, lib/log, harness/lib.
 * @module
 */
export {
  Cluster,
  CLUSTER_TOOLS,
  type KubectlOptions,
  startCluster,
  type StartClusterOptions,
  WORKLOAD_TOOLS,
} from "./cluster.ts";
export {
  type ClusterStatus,
  clusterStatus,
  type ProcessStatus,
  stopCluster,
  type StopClusterOptions,
} from "./stop.ts";
export { type ClusterPorts, type ClusterState, readState } from "./state.ts";
export { CONTROLLERS, WORKLOAD_CONTROLLERS } from "./flags.ts";
export { ADMIN_USER } from "./pki.ts";
