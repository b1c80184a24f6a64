/**
 * Readiness of a driver process: the API server answers and the process's own start-up
 * conditions hold (caches loaded, drives synced). Shared by the readiness HTTP endpoint and
 * the CSI Identity Probe.
 */
import type { KubeClient } from "../lib/k8s/mod.ts";

/** Options of {@linkcode readinessCheck}. */
export interface ReadinessOptions {
  kube: KubeClient;
  /** Further conditions, all of which must hold. */
  conditions?: Array<() => boolean>;
  /** How long an API answer is trusted (default 5 s), so probes do not hammer the server. */
  ttlMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** A readiness check: true when the API server answered lately and every condition holds. */
export function readinessCheck(options: ReadinessOptions): () => Promise<boolean> {
  const ttl = options.ttlMs ?? 5000;
  const now = options.now ?? (() => Date.now());
  let checkedAt = -Infinity;
  let reachable = false;
  let inFlight: Promise<boolean> | undefined;
  const probeApi = (): Promise<boolean> => {
    if (now() - checkedAt < ttl) return Promise.resolve(reachable);
    inFlight ??= options.kube.serverVersion()
      .then(() => true, () => false)
      .then((ok) => {
        reachable = ok;
        checkedAt = now();
        inFlight = undefined;
        return ok;
      });
    return inFlight;
  };
  return async () => {
    if (!(options.conditions ?? []).every((c) => c())) return false;
    return await probeApi();
  };
}
