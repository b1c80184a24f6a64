/**
 * Command lines of etcd, kube-apiserver, kube-controller-manager and kube-scheduler, all on
 * loopback.
 */
import type { Pki } from "./pki.ts";
import type { ClusterPorts } from "./state.ts";

/**
 * The controllers kube-controller-manager runs: PV/PVC binding and protection, GC, the
 * namespace controller (so a deleted namespace finishes terminating), and what pods need for
 * their service accounts: each namespace's `default` ServiceAccount, token Secrets and the
 * `kube-root-ca.crt` ConfigMap that in-cluster clients verify the API server with.
 */
export const CONTROLLERS = [
  "persistentvolume-binder-controller",
  "persistentvolume-protection-controller",
  "persistentvolumeclaim-protection-controller",
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
];

/**
 * The controllers added for clusters with real nodes, which run the pods of workloads: the
 * node-server DaemonSet, the controller Deployment, StatefulSets and the repair Job. Without a
 * real node their pods would only pile up unscheduled, so the host-process layers leave them out.
 */
export const WORKLOAD_CONTROLLERS = [
  "daemonset-controller",
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "job-controller",
  "ttl-after-finished-controller",
];

/** The service CIDR the API server allocates from (no Service is ever routed). */
export const SERVICE_CIDR = "10.0.0.0/24";

/** etcd: single member, loopback only, no fsync (test data only). */
export function etcdArgs(dataDir: string, ports: ClusterPorts): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    "--name=default",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

/** kube-apiserver: TLS, RBAC, client-certificate and token authentication, loopback only. */
export function apiserverArgs(pki: Pki, ports: ClusterPorts): string[] {
  const issuer = `https://127.0.0.1:${ports.apiserver}`;
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${pki.dir}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${pki.tokenFile}`,
    `--service-account-issuer=${issuer}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    "--authorization-mode=RBAC",
    "--allow-privileged=true",
    // It taints every new node not-ready, and only the node lifecycle controller (not run:
    // it would mark the harness's kubelet-less nodes unreachable) lifts the taint.
    "--disable-admission-plugins=TaintNodesByCondition",
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ];
}

/**
 * kube-controller-manager: only {@link CONTROLLERS} (plus {@link WORKLOAD_CONTROLLERS} with
 * `workloads`), no leader election, no serving port. It signs service-account tokens with the
 * key the API server verifies and publishes the cluster CA.
 */
export function controllerManagerArgs(
  kubeconfigPath: string,
  pki: Pick<Pki, "caCert" | "serviceAccountKey">,
  options: { workloads: boolean },
): string[] {
  const controllers = options.workloads ? [...CONTROLLERS, ...WORKLOAD_CONTROLLERS] : CONTROLLERS;
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--controllers=${controllers.join(",")}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    "--leader-elect=false",
    "--use-service-account-credentials=false",
    "--secure-port=0",
    "--profiling=false",
  ];
}

/** kube-scheduler: the default profile, no leader election, no serving port. */
export function schedulerArgs(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    "--leader-elect=false",
    "--secure-port=0",
    "--profiling=false",
  ];
}
