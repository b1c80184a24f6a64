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
 * Writes `<dir>/service-account.kubeconfig`: the admin kubeconfig's cluster with a fresh
 * token of the ServiceAccount (kubectl create token) instead of the admin certificate.
 */
export async function writeServiceAccountKubeconfig(
  adminKubeconfig: string,
  kubectl: string,
  dir: string,
): Promise<string> {
  const res = await run(kubectl, [
    "--kubeconfig",
    adminKubeconfig,
    "create",
    "token",
    SERVICE_ACCOUNT,
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
    users: [{ name: SERVICE_ACCOUNT, user: { token: res.stdout.trim() } }],
    contexts: [{
      name: SERVICE_ACCOUNT,
      context: { cluster: cluster.name, user: SERVICE_ACCOUNT },
    }],
    "current-context": SERVICE_ACCOUNT,
  };
  const path = join(dir, "service-account.kubeconfig");
  await Deno.writeTextFile(path, stringify(config), { mode: 0o600 });
  return path;
}
