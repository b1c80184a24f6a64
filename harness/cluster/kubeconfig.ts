/** The admin kubeconfig of a local control plane (client-certificate authentication). */
import { stringify } from "yaml";
import type { Pki } from "./pki.ts";

/** Name of the cluster, user and context in the kubeconfig. */
export const CONTEXT_NAME = "directpv-harness";

async function base64File(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Writes a self-contained kubeconfig (certificates embedded) for `server` to `path`. */
export async function writeKubeconfig(path: string, server: string, pki: Pki): Promise<void> {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: CONTEXT_NAME,
      cluster: { server, "certificate-authority-data": await base64File(pki.caCert) },
    }],
    users: [{
      name: CONTEXT_NAME,
      user: {
        "client-certificate-data": await base64File(pki.adminCert),
        "client-key-data": await base64File(pki.adminKey),
      },
    }],
    contexts: [{
      name: CONTEXT_NAME,
      context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME },
    }],
    "current-context": CONTEXT_NAME,
    preferences: {},
  };
  await Deno.writeTextFile(path, stringify(config), { mode: 0o600 });
}
