/**
 * The credentials the driver and its sidecars have in a real install: a token of the
 * `directpv-min-io` ServiceAccount that install created, so they run under the ClusterRole
 * and Role it applied. A permission the install forgot fails the scenario as it would fail
 * a real cluster, instead of passing under the harness's admin certificate.
 */
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { run } from "../lib/mod.ts";

const SERVICE_ACCOUNT = "directpv-min-io";
const NAMESPACE = "directpv";

interface KubeconfigShape {
  clusters: { name: string; cluster: Record<string, unknown> }[];
}

/**
 * Writes `<dir>/<serviceAccount>.kubeconfig` (`service-account.kubeconfig` for ours): the
 * admin kubeconfig's cluster with a fresh token of the ServiceAccount of namespace
 * `directpv` (kubectl create token) instead of the admin certificate.
 */
export async function writeServiceAccountKubeconfig(
  adminKubeconfig: string,
  kubectl: string,
  dir: string,
  serviceAccount: string = SERVICE_ACCOUNT,
): Promise<string> {
  const res = await run(kubectl, [
    "--kubeconfig",
    adminKubeconfig,
    "create",
    "token",
    serviceAccount,
    "--namespace",
    NAMESPACE,
    "--duration=24h",
  ]);
  const admin = parse(await Deno.readTextFile(adminKubeconfig)) as KubeconfigShape;
  const cluster = admin.clusters[0];
  if (!cluster) throw new Error(`No cluster in "${adminKubeconfig}"`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [cluster],
    users: [{ name: serviceAccount, user: { token: res.stdout.trim() } }],
    contexts: [{
      name: serviceAccount,
      context: { cluster: cluster.name, user: serviceAccount },
    }],
    "current-context": serviceAccount,
  };
  const file = serviceAccount === SERVICE_ACCOUNT ? "service-account" : serviceAccount;
  const path = join(dir, `${file}.kubeconfig`);
  await Deno.writeTextFile(path, stringify(config), { mode: 0o600 });
  return path;
}
