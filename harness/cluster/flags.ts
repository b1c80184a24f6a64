/** Command lines of etcd, kube-apiserver and kube-controller-manager, all on loopback. */
import type { Pki } from "./pki.ts";
import type { ClusterPorts } from "./state.ts";

/**
 * The controllers kube-controller-manager runs: PV/PVC binding and protection, GC, and the
 * namespace controller (so a deleted namespace finishes terminating).
 */
export const CONTROLLERS = [
  "persistentvolume-binder-controller",
  "persistentvolume-protection-controller",
  "persistentvolumeclaim-protection-controller",
  "garbage-collector-controller",
  "namespace-controller",
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
    "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ];
}

/** kube-controller-manager: only {@link CONTROLLERS}, no leader election, no serving port. */
export function controllerManagerArgs(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--controllers=${CONTROLLERS.join(",")}`,
    "--leader-elect=false",
    "--use-service-account-credentials=false",
    "--secure-port=0",
    "--profiling=false",
  ];
}
