/**
 * The kind cluster configuration of the kind harness: one control-plane node and N workers.
 * Every worker gets the Docker host's `/dev`, so the loop devices that `kind.sh` attaches inside
 * it appear in its `/dev` (kind node containers are always privileged, so they may attach them),
 * and a label that the DirectPV node server is pinned to.
 *
 * `/var/lib/directpv`, `/var/lib/kubelet` and the loop backing files stay inside each node's own
 * `/var` volume: sharing a host directory between workers would mix their drives.
 */
import { stringify } from "yaml";

/** The kind configuration API this harness writes. */
export const KIND_API_VERSION = "kind.x-k8s.io/v1alpha4";
/** The label on every worker that carries loop drives; the node server DaemonSet selects it. */
export const LOOP_DRIVES_LABEL = "directpv-kind/loop-drives";
/** Upper bound on workers, so a typo does not start a hundred containers. */
export const MAX_WORKERS = 16;

/** A bind mount from the Docker host into a node container. */
export interface KindMount {
  hostPath: string;
  containerPath: string;
  propagation?: "None" | "HostToContainer" | "Bidirectional";
  readOnly?: boolean;
}

/** One node of the kind cluster. */
export interface KindNode {
  role: "control-plane" | "worker";
  image: string;
  labels?: Record<string, string>;
  extraMounts?: KindMount[];
}

/** The whole kind `Cluster` document. */
export interface KindConfig {
  kind: "Cluster";
  apiVersion: typeof KIND_API_VERSION;
  name: string;
  nodes: KindNode[];
}

/** What the configuration is made from. */
export interface KindConfigOptions {
  /** Cluster name; kind names the node containers `<name>-control-plane`, `<name>-worker`, ... */
  name: string;
  /** Number of worker nodes (at least 1). */
  workers: number;
  /** The kindest/node image of every node, pinned by tag (and digest). */
  image: string;
}

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$/;

function validate(options: KindConfigOptions): void {
  if (!CLUSTER_NAME.test(options.name)) {
    throw new RangeError(
      `Cannot use cluster name "${options.name}": use lower-case letters, digits and "-"`,
    );
  }
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`Cannot create ${options.workers} workers: need a whole number >= 1`);
  }
  if (options.workers > MAX_WORKERS) {
    throw new RangeError(`Cannot create ${options.workers} workers: at most ${MAX_WORKERS}`);
  }
  if (!/^\S+:\S+$/.test(options.image)) {
    throw new RangeError(`Cannot use node image "${options.image}": pin it by tag`);
  }
}

/** A worker: the host's `/dev` (new loop devices show up) and the loop-drives label. */
function worker(image: string): KindNode {
  return {
    role: "worker",
    image,
    labels: { [LOOP_DRIVES_LABEL]: "true" },
    extraMounts: [{ hostPath: "/dev", containerPath: "/dev", propagation: "HostToContainer" }],
  };
}

/** The kind `Cluster` document for the options. */
export function kindConfig(options: KindConfigOptions): KindConfig {
  validate(options);
  return {
    kind: "Cluster",
    apiVersion: KIND_API_VERSION,
    name: options.name,
    nodes: [
      { role: "control-plane", image: options.image },
      ...Array.from({ length: options.workers }, () => worker(options.image)),
    ],
  };
}

/** The kind configuration as YAML, with a header saying where it comes from. */
export function renderKindConfig(options: KindConfigOptions): string {
  return `# kind cluster for DirectPV, written by harness/kind/kind.sh; do not edit\n${
    stringify(kindConfig(options))
  }`;
}
