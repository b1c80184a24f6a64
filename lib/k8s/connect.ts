/**
 * Entry points to the real API server. They load the REST client and kubeconfig code (and
 * `@kubernetes/client-node` parts) on first use, so importing this module stays cheap.
 */
import type { KubeConfigOptions, KubeConnection } from "./kubeconfig.ts";
import type { ConnectOptions, RestOptions } from "./rest.ts";
import type { KubeClient } from "./types.ts";

export type { ConnectOptions, KubeConfigOptions, KubeConnection, RestOptions };
export type { RequestAuth } from "./kubeconfig.ts";

/**
 * Resolves the kubeconfig like kubectl (`--kubeconfig`, multi-path `KUBECONFIG`,
 * `~/.kube/config`, in-cluster; `--context`) and returns a client for the chosen context.
 *
 * @throws {NotFoundError} when no kubeconfig, context, cluster or user is found
 * @throws {InvalidArgumentError} when the kubeconfig cannot be used
 */
export async function connectKube(options: ConnectOptions = {}): Promise<KubeClient> {
  const rest = await import("./rest.ts");
  return await rest.connectKube(options);
}

/** Resolves the kubeconfig like kubectl and returns the chosen context's connection. */
export async function loadKubeConfig(options: KubeConfigOptions = {}): Promise<KubeConnection> {
  const config = await import("./kubeconfig.ts");
  return config.loadKubeConfig(options);
}

/** A client for an already resolved connection. */
export async function restKube(
  conn: KubeConnection,
  options: RestOptions = {},
): Promise<KubeClient> {
  const rest = await import("./rest.ts");
  return rest.restKube(conn, options);
}
