/**
 * The CSI Probe the node server's `/healthz` asks: a gRPC call to the plugin's own CSI
 * socket, so a wedged or vanished socket fails the liveness check exactly as it would behind
 * the livenessprobe sidecar.
 */
import * as grpc from "@grpc/grpc-js";
import { UnavailableError } from "../lib/errors/mod.ts";
import { IdentityClient } from "../proto/mod.ts";
import type { CsiProbe } from "./http.ts";

/**
 * Probes the CSI server on `socketPath` with a connection of its own per check, as
 * livenessprobe does. (An in-process client still connected while the CSI server shuts down
 * crashes Deno 2.9, so none is kept open.) A reply without `ready` counts as ready, as the CSI
 * sidecars read it; a failed call rejects with {@linkcode UnavailableError}.
 */
export function csiSocketProbe(socketPath: string): CsiProbe {
  return (timeoutMs) =>
    new Promise((resolve, reject) => {
      const client = new IdentityClient(`unix:${socketPath}`, grpc.credentials.createInsecure());
      const deadline = new Date(Date.now() + timeoutMs);
      client.probe({}, new grpc.Metadata(), { deadline }, (err, reply) => {
        client.close();
        if (err) {
          reject(new UnavailableError(`CSI Probe on "${socketPath}" failed: ${err.message}`));
        } else resolve(reply.ready ?? true);
      });
    });
}
