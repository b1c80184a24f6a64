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
  cleanDir,
  DEFAULT_KUBE_VERSION,
  DEFAULT_ORG,
  DEFAULT_REGISTRY,
  defaultInstallArgs,
  DRIVER_IMAGE_NAME,
  driverImage,
  imageTagOf,
  isSupportedKubeVersion,
  joinImage,
  kubeVersionFromServer,
  LEGACY_PROVISIONER_BELOW_MINOR,
  MINIO_ORG,
  MINIO_REGISTRY,
  MINIO_SIDECAR_IMAGES,
  OFFICIAL_SIDECAR_REPO,
  OPENSHIFT_IMAGES,
  OPENSHIFT_REPO,
  OPENSHIFT_TAG,
  parseKubeVersion,
  SIDECAR_IMAGES,
  sidecarImage,
  SUPPORTED_MINOR_RANGE,
} from "./args.ts";
export type {
  ExistingSelectors,
  InstallArgs,
  KubeVersion,
  QuotaMode,
  Sidecar,
  SnapshotControllerMode,
} from "./args.ts";
export { DEFAULT_LABELS } from "./common.ts";
export { controllerDeployment, PROVISIONER_WORKER_FLAGS, SIDECAR_API_FLAGS } from "./controller.ts";
export { CRD_ADDITIONS, crdObjects, OWN_KINDS } from "./crds.ts";
export { parseNodeSelector, parseTolerations } from "./flags.ts";
export type * from "./k8s_objects.ts";
export { extraNodeFlags, nodeServerDaemonSet } from "./node_server.ts";
export { installObjects } from "./objects.ts";
export {
  alertGroups,
  type AlertRule,
  CAPACITY_THRESHOLDS,
  dashboardJson,
  monitoringManifests,
  monitoringObjects,
  NODE_SERVER_JOB,
  type RuleGroup,
} from "./monitoring.ts";
export { CHART_DIR, helmChartFiles } from "./helm_chart.ts";
export { grafanaDashboard, type Panel, type PanelTarget } from "./grafana.ts";
export {
  clusterRoleRules,
  namespaceObject,
  needsPodSecurityLabel,
  rbacObjects,
  serviceAccountObject,
} from "./rbac.ts";
export { applicableNeeds, RBAC_NEEDS, type RbacArgs, type RbacNeed } from "./rbac_needs.ts";
export {
  MANIFEST_HEADER,
  manifestPath,
  objectsToYAML,
  objectToYAML,
  renderManifests,
} from "./render.ts";
export type { ManifestFile } from "./render.ts";
export { csiDriverObject, storageClassObject } from "./storage.ts";
export {
  SNAPSHOT_CONTROLLER,
  SNAPSHOT_CONTROLLER_CLUSTER_ROLE,
  snapshotControllerRules,
} from "./snapshot_controller.ts";
export { SNAPSHOT_GROUP, snapshotCrdObjects } from "./snapshot_crds.ts";
