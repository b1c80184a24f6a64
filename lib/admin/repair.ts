/**
 * `repair` (reference §1.13): one Job per drive that runs `repair` on the drive's node with the
 * node-server's image, security context, scheduling settings, environment, host network, host
 * directories and the node-server flags that decide which devices it may use and how it treats
 * quota.
 */
import type { AnyObject, KubeClient } from "../k8s/mod.ts";
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from "../errors/mod.ts";
import {
  APP_ROOT_DIR,
  type DirectPVDrive,
  IDENTITY,
  LABELS,
  LEGACY_APP_ROOT_DIR,
  NAMESPACE,
  UDEV_DATA_DIR,
} from "../types/mod.ts";
import { nodeOf } from "./describe.ts";
import { NoMatchingResourcesError, type Reporter, signalOption, silentReporter } from "./types.ts";

/** Name of the DaemonSet whose pod settings repair jobs copy. */
export const NODE_SERVER_DAEMONSET = "node-server";
const TERMINATION_LOG = "/var/log/repair-termination-log";

/** Arguments of {@link repair}. */
export interface RepairArgs {
  driveIds: readonly string[];
  /** Pass `--force` (zero the XFS log). */
  force?: boolean;
  /** Pass `--disable-prefetch`. */
  disablePrefetch?: boolean;
  /** Pass `--dry-run`: xfs_repair only reports (no-modify mode). */
  dryRun?: boolean;
  signal?: AbortSignal;
  reporter?: Reporter;
}

/** The pod settings a repair job copies from the node-server DaemonSet. */
export interface NodeServerPodTemplate {
  image: string;
  command?: string[];
  /** The node server's flags a repair runs with too (see {@link REPAIR_NODE_FLAGS}). */
  nodeFlags: string[];
  env?: AnyObject[];
  securityContext?: AnyObject;
  hostNetwork?: boolean;
  tolerations?: AnyObject[];
  imagePullSecrets?: AnyObject[];
  annotations?: Record<string, string>;
  /** The node server's host directories by volume name (hostPath and mount propagation). */
  hostDirs?: Record<string, HostDir>;
}

/** Where the node server has one of its host directories, and how it mounts it. */
export interface HostDir {
  path?: string;
  propagation?: string;
}

/**
 * Node-server flags that change what a repair may touch and how it mounts the drive again:
 * loop devices admitted (and only those backed under a directory), the quota policy.
 */
export const REPAIR_NODE_FLAGS = ["--allow-loop-devices", "--loop-backing-dir", "--quota"];

/** The {@link REPAIR_NODE_FLAGS} among a container's args, each as one `--flag[=value]`. */
export function repairNodeFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  args.forEach((arg, i) => {
    const name = arg.split("=", 1)[0] as string;
    if (!REPAIR_NODE_FLAGS.includes(name)) return;
    const takesValue = name !== "--allow-loop-devices";
    const next = args[i + 1];
    if (takesValue && !arg.includes("=") && next !== undefined) out.push(`${name}=${next}`);
    else out.push(arg);
  });
  return out;
}

/** Reads the settings repair jobs copy from the node-server DaemonSet. */
export function podTemplateOf(daemonSet: AnyObject): NodeServerPodTemplate {
  const pod = daemonSet.spec?.template;
  const containers: AnyObject[] = pod?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === "node-server") ?? containers[0];
  if (!container?.image) {
    throw new FailedPreconditionError(
      `Invalid DaemonSet "${NODE_SERVER_DAEMONSET}": no node-server container image`,
    );
  }
  return {
    image: container.image,
    ...(container.command ? { command: container.command } : {}),
    nodeFlags: repairNodeFlags(container.args ?? []),
    ...(container.env ? { env: container.env } : {}),
    ...(container.securityContext ? { securityContext: container.securityContext } : {}),
    ...(pod?.spec?.hostNetwork ? { hostNetwork: true } : {}),
    ...(pod?.spec?.tolerations ? { tolerations: pod.spec.tolerations } : {}),
    ...(pod?.spec?.imagePullSecrets ? { imagePullSecrets: pod.spec.imagePullSecrets } : {}),
    ...(pod?.metadata?.annotations ? { annotations: pod.metadata.annotations } : {}),
    hostDirs: hostDirsOf(pod?.spec?.volumes ?? [], container.volumeMounts ?? []),
  };
}

/** The hostPath and propagation of each of the repair's volumes the node server has. */
function hostDirsOf(volumes: AnyObject[], mounts: AnyObject[]): Record<string, HostDir> {
  const out: Record<string, HostDir> = {};
  for (const { name } of MOUNTS) {
    const path = volumes.find((v) => v.name === name)?.hostPath?.path;
    const propagation = mounts.find((m) => m.name === name)?.mountPropagation;
    if (path === undefined && propagation === undefined) continue;
    out[name] = {
      ...(typeof path === "string" ? { path } : {}),
      ...(typeof propagation === "string" ? { propagation } : {}),
    };
  }
  return out;
}

const PROPAGATION_ORDER = ["None", "HostToContainer", "Bidirectional"];

/**
 * The repair's propagation for a mount: its own, but never more than the node server's (a
 * cluster whose host directories are not shared mounts runs the node server with less, and
 * the kubelet would refuse the Job's pod otherwise).
 */
function propagationOf(own: string, nodeServer: string | undefined): string {
  const rank = PROPAGATION_ORDER.indexOf(nodeServer ?? own);
  return rank >= 0 && rank < PROPAGATION_ORDER.indexOf(own) ? nodeServer as string : own;
}

const MOUNTS = [
  { name: "directpv-common-root", path: `${APP_ROOT_DIR}/`, propagation: "Bidirectional" },
  { name: "direct-csi-common-root", path: `${LEGACY_APP_ROOT_DIR}/`, propagation: "Bidirectional" },
  { name: "sysfs", path: "/sys", propagation: "Bidirectional" },
  { name: "devfs", path: "/dev", propagation: "HostToContainer", readOnly: true },
  { name: "run-udev-data-dir", path: UDEV_DATA_DIR, propagation: "None", readOnly: true },
];

function repairContainer(
  drive: DirectPVDrive,
  template: NodeServerPodTemplate,
  args: Pick<RepairArgs, "force" | "disablePrefetch" | "dryRun">,
): Record<string, unknown> {
  return {
    name: "repair",
    image: template.image,
    ...(template.command ? { command: template.command } : {}),
    args: [
      "repair",
      drive.metadata.name ?? "",
      `--kube-node-name=${nodeOf(drive)}`,
      ...(args.force ? ["--force"] : []),
      ...(args.disablePrefetch ? ["--disable-prefetch"] : []),
      ...(args.dryRun ? ["--dry-run"] : []),
      ...template.nodeFlags,
    ],
    ...(template.env ? { env: template.env } : {}),
    ...(template.securityContext ? { securityContext: template.securityContext } : {}),
    volumeMounts: MOUNTS.map((m) => ({
      name: m.name,
      mountPath: m.path,
      mountPropagation: propagationOf(m.propagation, template.hostDirs?.[m.name]?.propagation),
      ...(m.readOnly ? { readOnly: true } : {}),
    })),
    terminationMessagePath: TERMINATION_LOG,
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** The Job that repairs one drive on its node. */
export function repairJob(
  drive: DirectPVDrive,
  template: NodeServerPodTemplate,
  args: Pick<RepairArgs, "force" | "disablePrefetch" | "dryRun">,
): AnyObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `repair-${drive.metadata.name ?? ""}`, namespace: NAMESPACE },
    spec: {
      backoffLimit: 1,
      ttlSecondsAfterFinished: 300,
      template: {
        metadata: template.annotations ? { annotations: template.annotations } : {},
        spec: {
          nodeSelector: { [LABELS.node]: nodeOf(drive) },
          serviceAccountName: IDENTITY,
          restartPolicy: "Never",
          ...(template.hostNetwork ? { hostNetwork: true } : {}),
          ...(template.tolerations ? { tolerations: template.tolerations } : {}),
          ...(template.imagePullSecrets ? { imagePullSecrets: template.imagePullSecrets } : {}),
          containers: [repairContainer(drive, template, args)],
          volumes: MOUNTS.map((m) => ({
            name: m.name,
            hostPath: {
              path: template.hostDirs?.[m.name]?.path ?? m.path,
              type: "DirectoryOrCreate",
            },
          })),
        },
      },
    },
  };
}

async function nodeServerTemplate(
  kube: KubeClient,
  signal?: AbortSignal,
): Promise<NodeServerPodTemplate> {
  try {
    const ds = await kube.daemonSets.get(NODE_SERVER_DAEMONSET, {
      namespace: NAMESPACE,
      ...signalOption(signal),
    });
    return podTemplateOf(ds);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new FailedPreconditionError(
      `Cannot create repair jobs: DaemonSet "${NODE_SERVER_DAEMONSET}" not found in namespace "${NAMESPACE}"`,
      { cause: err },
    );
  }
}

/**
 * Creates a repair Job per existing drive. Unknown drives are warned about and skipped; an
 * existing Job is left alone. Returns the names of the Jobs created.
 *
 * @throws {NoMatchingResourcesError} when none of the drives exists
 * @throws {FailedPreconditionError} when the node-server DaemonSet is missing
 */
export async function repair(kube: KubeClient, args: RepairArgs): Promise<string[]> {
  const reporter = args.reporter ?? silentReporter;
  const drives: DirectPVDrive[] = [];
  for (const id of new Set(args.driveIds)) {
    try {
      drives.push(await kube.drives.get(id, signalOption(args.signal)));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      reporter.warn(`Drive ${id} not found; skipped`);
    }
  }
  if (drives.length === 0) throw new NoMatchingResourcesError();
  const template = await nodeServerTemplate(kube, args.signal);
  const created: string[] = [];
  for (const drive of drives) {
    const job = repairJob(drive, template, args);
    const name = job.metadata.name as string;
    try {
      await kube.jobs.create(job, { namespace: NAMESPACE, ...signalOption(args.signal) });
      created.push(name);
      reporter.info(`Repair job ${name} for drive ${drive.metadata.name} is created`);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      reporter.info(`Job ${name} already exists`);
    }
  }
  return created;
}
