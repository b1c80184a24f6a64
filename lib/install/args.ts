/** Install arguments, their defaults (reference §1.3, §5.3) and image references. */
import { InvalidArgumentError } from "../errors/mod.ts";
import { KUBELET_DIR } from "../types/mod.ts";
import { RELEASE_TAG } from "../version/mod.ts";
import type { Toleration } from "./k8s_objects.ts";

/** How the node server treats XFS project quota. */
export type QuotaMode = "required" | "best-effort";

/**
 * Whether install adds the VolumeSnapshot CRDs and a snapshot controller: `auto` when the
 * cluster has no VolumeSnapshot CRDs (or has the ones an earlier install added); a manifest
 * printed without a cluster treats `auto` as `no`.
 */
export type SnapshotControllerMode = "auto" | "yes" | "no";

/** Kubernetes major and minor version. */
export interface KubeVersion {
  major: number;
  minor: number;
}

/** Selector values of existing workloads, kept when install runs again. */
export interface ExistingSelectors {
  nodeServer?: string;
  legacyNodeServer?: string;
  controller?: string;
  legacyController?: string;
}

/** Everything the installed objects depend on. */
export interface InstallArgs {
  /** Driver image `name:tag` under registry/org (`directpv:v4.2.0`). */
  image: string;
  /** Tag recorded in the `directpv.min.io/image-tag` annotation. */
  imageTag: string;
  registry: string;
  org: string;
  imagePullSecrets: readonly string[];
  nodeSelector: Readonly<Record<string, string>>;
  tolerations: readonly Toleration[];
  kubeVersion: KubeVersion;
  /** Adds the DirectCSI compatibility objects. */
  legacy: boolean;
  /** Uses the Red Hat sidecar images. */
  openshift: boolean;
  /** AppArmor profile name for the node-server pods; empty for none. */
  apparmorProfile: string;
  /** Seccomp localhost profile path for the privileged node containers; empty for none. */
  seccompProfile: string;
  /** Lets the node server admit loop devices (test clusters). */
  allowLoopDevices: boolean;
  quota: QuotaMode;
  /** Kubelet root directory on the nodes (`KUBELET_DIR_PATH`). */
  kubeletDir: string;
  /**
   * DirectPV's node-server layout: the node-driver-registrar and livenessprobe sidecars
   * register the plugin and serve `/healthz`. Off: the node server does both itself.
   */
  registrarSidecars: boolean;
  /**
   * DirectPV's two node containers: node-server and node-controller as separate processes.
   * Off: the node server runs the node controllers in its own process, which halves the
   * memory of the node plugin. `registrarSidecars` (DirectPV's layout) implies it.
   */
  separateNodeController: boolean;
  /**
   * Storage capacity tracking: csi-provisioner publishes CSIStorageCapacity per node and the
   * CSIDriver tells the scheduler to use them. Effective from Kubernetes 1.24 (their v1 API).
   */
  capacityTracking: boolean;
  /**
   * The controller retires a node when its Node object is deleted (drives Lost; the volumes'
   * PVs, PVCs and pods deleted). Off by default.
   */
  retireDeletedNodes: boolean;
  snapshotController: SnapshotControllerMode;
  existingSelectors?: ExistingSelectors;
}

/** The Kubernetes version `install -o` assumes without `--kube-version`. */
export const DEFAULT_KUBE_VERSION: KubeVersion = { major: 1, minor: 35 };
/** The Kubernetes minor versions DirectPV supports (outside, install warns). */
export const SUPPORTED_MINOR_RANGE = { min: 18, max: 36 } as const;

/** Registry and org of the driver image this repository builds (`ghcr.io/directpv/directpv`). */
export const DEFAULT_REGISTRY = "ghcr.io";
export const DEFAULT_ORG = "directpv";
/** Repository name of the driver image under registry and org. */
export const DRIVER_IMAGE_NAME = "directpv";
/**
 * The V8 flags the driver image runs every role with. With V8's defaults the young
 * generation grows to its maximum under a burst of calls and the old generation and
 * ArrayBuffers are collected late, so RSS ends far above the live heap; a 1 MiB semi-space
 * and optimise-for-size keep it near what is live, for some more GC work and no measurable
 * loss of latency (README, Performance).
 */
export const DRIVER_V8_FLAGS = "--max-semi-space-size=1,--optimize-for-size";
/** Registry and org of MinIO's images: its Go driver and the sidecars it rebuilds. */
export const MINIO_REGISTRY = "quay.io";
export const MINIO_ORG = "minio";
/** Where the kubernetes-csi project publishes its official sidecar images. */
export const OFFICIAL_SIDECAR_REPO = "registry.k8s.io/sig-storage";

/**
 * The official kubernetes-csi releases of the sidecars (all on Kubernetes 1.36 libraries).
 * csi-provisioner, csi-resizer and csi-snapshotter are the versions `harness/tools/build.sh` builds and the
 * tests run (a unit test fails when the two drift apart).
 */
export const SIDECAR_IMAGES = {
  csiProvisioner: { name: "csi-provisioner", tag: "v6.3.0" },
  /** The last provisioner line that runs on Kubernetes before 1.20. */
  csiProvisionerLegacyKube: { name: "csi-provisioner", tag: "v2.2.0" },
  nodeDriverRegistrar: { name: "csi-node-driver-registrar", tag: "v2.17.0" },
  livenessProbe: { name: "livenessprobe", tag: "v2.19.0" },
  csiResizer: { name: "csi-resizer", tag: "v2.2.0" },
  csiSnapshotter: { name: "csi-snapshotter", tag: "v8.6.0" },
  /** Same release as csi-snapshotter: the two are built and tested together. */
  snapshotController: { name: "snapshot-controller", tag: "v8.6.0" },
} as const;

/**
 * MinIO DirectPV v4.1.6's sidecars, rebuilt by MinIO and published under `quay.io/minio`.
 * MinIO publishes no csi-snapshotter or snapshot controller (DirectPV has no snapshots): the
 * official ones are used.
 */
export const MINIO_SIDECAR_IMAGES: Readonly<
  Record<Exclude<Sidecar, SnapshotSidecar>, { name: string; tag: string }>
> = {
  csiProvisioner: { name: "csi-provisioner", tag: "v6.2.0-0" },
  csiProvisionerLegacyKube: { name: "csi-provisioner", tag: "v2.2.0-go1.18" },
  nodeDriverRegistrar: { name: "csi-node-driver-registrar", tag: "v2.16.0-0" },
  livenessProbe: { name: "livenessprobe", tag: "v2.18.0-0" },
  csiResizer: { name: "csi-resizer", tag: "v2.1.0-0" },
};

/** Red Hat's sidecar images `--openshift` selects: `<repo>/<name>:<tag>`. */
export const OPENSHIFT_REPO = "registry.redhat.io/openshift4";
export const OPENSHIFT_TAG = "v4.15";
export const OPENSHIFT_IMAGES: Readonly<
  Record<Exclude<Sidecar, "csiProvisionerLegacyKube">, string>
> = {
  csiProvisioner: "ose-csi-external-provisioner-rhel8",
  nodeDriverRegistrar: "ose-csi-node-driver-registrar-rhel8",
  livenessProbe: "ose-csi-livenessprobe-rhel8",
  csiResizer: "ose-csi-external-resizer-rhel8",
  csiSnapshotter: "ose-csi-external-snapshotter-rhel8",
  snapshotController: "ose-csi-snapshot-controller-rhel8",
};

/** Kubernetes 1.x below this minor gets the `csiProvisionerLegacyKube` provisioner. */
export const LEGACY_PROVISIONER_BELOW_MINOR = 20;

/** A sidecar image key. */
export type Sidecar = keyof typeof SIDECAR_IMAGES;
/** The images of the snapshot feature, which MinIO does not rebuild. */
type SnapshotSidecar = "csiSnapshotter" | "snapshotController";
const isSnapshotSidecar = (s: Sidecar): s is SnapshotSidecar =>
  s === "csiSnapshotter" || s === "snapshotController";

/** The tag of an image reference (after the last `:` with no `/` after it); `dev` when none. */
export function imageTagOf(image: string): string {
  const m = /:([^/]+)$/.exec(image);
  return m?.[1] ?? "dev";
}

/** Joins registry, org and name like Go's path.Join (empty parts dropped, slashes collapsed). */
export function joinImage(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/").replace(/\/$/, "");
}

/** The driver image reference. */
export function driverImage(args: InstallArgs): string {
  return joinImage(args.registry, args.org, args.image);
}

function isRegistryOrg(args: InstallArgs, registry: string, org: string): boolean {
  return joinImage(args.registry, args.org) === joinImage(registry, org);
}

/**
 * The image reference of a sidecar. With the default registry and org, the official
 * kubernetes-csi image; with `quay.io/minio`, MinIO's rebuild DirectPV v4.1.6 runs; with any
 * other registry or org (a mirror), the official name and tag under it; with `--openshift`,
 * Red Hat's. Kubernetes before 1.20 gets the older provisioner.
 */
export function sidecarImage(
  args: InstallArgs,
  sidecar: Exclude<Sidecar, "csiProvisionerLegacyKube">,
): string {
  if (args.openshift) return `${OPENSHIFT_REPO}/${OPENSHIFT_IMAGES[sidecar]}:${OPENSHIFT_TAG}`;
  const oldKube = args.kubeVersion.major === 1 &&
    args.kubeVersion.minor < LEGACY_PROVISIONER_BELOW_MINOR;
  const which = sidecar === "csiProvisioner" && oldKube ? "csiProvisionerLegacyKube" : sidecar;
  const minio = isRegistryOrg(args, MINIO_REGISTRY, MINIO_ORG);
  if (minio && !isSnapshotSidecar(which)) {
    const { name, tag } = MINIO_SIDECAR_IMAGES[which];
    return joinImage(MINIO_REGISTRY, MINIO_ORG, `${name}:${tag}`);
  }
  const { name, tag } = SIDECAR_IMAGES[which];
  const repo = minio || isRegistryOrg(args, DEFAULT_REGISTRY, DEFAULT_ORG)
    ? OFFICIAL_SIDECAR_REPO
    : joinImage(args.registry, args.org);
  return joinImage(repo, `${name}:${tag}`);
}

/**
 * The install defaults for a release: image `directpv:<version>` on `ghcr.io/directpv`,
 * Kubernetes 1.35, kubelet in `/var/lib/kubelet`, quota required, the node server registering
 * itself with the kubelet (no registrar sidecar), capacity tracking on.
 *
 * @example defaultInstallArgs("v4.2.0").image === "directpv:v4.2.0"
 */
export function defaultInstallArgs(version: string = RELEASE_TAG): InstallArgs {
  const image = `${DRIVER_IMAGE_NAME}:${version}`;
  return {
    image,
    imageTag: imageTagOf(image),
    registry: DEFAULT_REGISTRY,
    org: DEFAULT_ORG,
    imagePullSecrets: [],
    nodeSelector: {},
    tolerations: [],
    kubeVersion: { ...DEFAULT_KUBE_VERSION },
    legacy: false,
    openshift: false,
    apparmorProfile: "",
    seccompProfile: "",
    allowLoopDevices: false,
    quota: "required",
    kubeletDir: KUBELET_DIR,
    registrarSidecars: false,
    separateNodeController: false,
    capacityTracking: true,
    retireDeletedNodes: false,
    snapshotController: "auto",
  };
}

/** The first Kubernetes minor with `storage.k8s.io/v1` CSIStorageCapacity. */
export const CAPACITY_V1_MINOR = 24;

/** Whether capacity tracking is on for these arguments (asked for, and the API has it). */
export function tracksCapacity(
  args: Pick<InstallArgs, "capacityTracking" | "kubeVersion">,
): boolean {
  const { major, minor } = args.kubeVersion;
  return args.capacityTracking && (major > 1 || minor >= CAPACITY_V1_MINOR);
}

const SEMVER =
  /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Parses `--kube-version` (semantic version, optional leading `v`).
 *
 * @throws {InvalidArgumentError} `invalid kubernetes version X; …`
 */
export function parseKubeVersion(text: string): KubeVersion {
  const m = SEMVER.exec(text.trim());
  if (!m) {
    throw new InvalidArgumentError(
      `invalid kubernetes version ${text}; expected <major>.<minor>.<patch> such as 1.35.0`,
    );
  }
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * The version the API server reports (`/version` major and minor, e.g. EKS `29+`).
 *
 * @throws {InvalidArgumentError} when either part has no leading number
 */
export function kubeVersionFromServer(info: { major: string; minor: string }): KubeVersion {
  const major = /^[0-9]+/.exec(info.major)?.[0];
  const minor = /^[0-9]+/.exec(info.minor)?.[0];
  if (major === undefined || minor === undefined) {
    throw new InvalidArgumentError(
      `Cannot read the Kubernetes version "${info.major}.${info.minor}" of the API server`,
    );
  }
  return { major: Number(major), minor: Number(minor) };
}

/** Whether this Kubernetes version is supported (1.18 to 1.36). */
export function isSupportedKubeVersion(v: KubeVersion): boolean {
  return v.major === 1 && v.minor >= SUPPORTED_MINOR_RANGE.min &&
    v.minor <= SUPPORTED_MINOR_RANGE.max;
}

/** Removes a trailing slash and duplicate slashes, like Go's path.Clean for absolute paths. */
export function cleanDir(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}
