/**
 * The Kubernetes objects `install` applies, as plain data built from typed arguments:
 * Namespace, RBAC, the four DirectPV CRDs, CSIDriver, StorageClass, the `node-server`
 * DaemonSet and the `controller` Deployment (plus the DirectCSI legacy objects), with
 * DirectPV's defaults except the images (ours, and the official sidecars) and the node
 * server's kubelet registration; flag parsing for node selectors and tolerations; YAML
 * rendering; the monitoring objects shipped beside them (PodMonitor, alerts, Grafana
 * dashboard); for clusters without them, the VolumeSnapshot CRDs and a snapshot controller.
 *
 * May import: lib/types, lib/errors, lib/version (and the `yaml` package).
 * @module
 */
export {
  DEFAULT_ORG,
  DEFAULT_REGISTRY,
  defaultInstallArgs,
  DRIVER_IMAGE_NAME,
  DRIVER_V8_FLAGS,
  driverImage,
  imageTagOf,
  isSupportedKubeVersion,
  kubeVersionFromServer,
  parseKubeVersion,
} from "./args.ts";
export type { ExistingSelectors, InstallArgs, QuotaMode, SnapshotControllerMode } from "./args.ts";
export { controllerDeployment, PROVISIONER_WORKER_FLAGS, SIDECAR_API_FLAGS } from "./controller.ts";
export { crdObjects } from "./crds.ts";
export { parseNodeSelector, parseTolerations } from "./flags.ts";
export type {
  ClusterRole,
  Container,
  CSIDriver,
  CustomResourceDefinition,
  DaemonSet,
  Deployment,
  EnvVar,
  Namespace,
  PodSpec,
  Probe,
  RoleBinding,
  ServiceAccount,
  StorageClass,
} from "./k8s_objects.ts";
export { nodeServerDaemonSet } from "./node_server.ts";
export { installObjects } from "./objects.ts";
export { alertGroups, monitoringManifests, NODE_SERVER_JOB } from "./monitoring.ts";
export { CHART_DIR, helmChartFiles } from "./helm_chart.ts";
export { grafanaDashboard, type Panel } from "./grafana.ts";
export { objectsToYAML, objectToYAML, renderManifests } from "./render.ts";
export type { ManifestFile } from "./render.ts";
export { SNAPSHOT_GROUP, snapshotCrdObjects } from "./snapshot_crds.ts";
