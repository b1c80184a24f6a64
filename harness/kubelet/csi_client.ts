/** Promise wrappers over the generated grpc-js CSI clients, for the harness. */
import * as grpc from "@grpc/grpc-js";
import { ControllerClient, IdentityClient, NodeClient } from "../../proto/mod.ts";

/** A connected set of CSI clients on one unix socket. */
export interface CsiClients {
  identity: IdentityClient;
  controller: ControllerClient;
  node: NodeClient;
  close(): void;
}

/** Connects to a CSI endpoint (`unix:///path` or a plain socket path). */
export function connectCsi(endpoint: string): CsiClients {
  const path = endpoint.replace(/^unix:\/\//, "").replace(/^unix:/, "");
  const target = `unix:${path}`;
  const creds = grpc.credentials.createInsecure();
  const identity = new IdentityClient(target, creds);
  const controller = new ControllerClient(target, creds);
  const node = new NodeClient(target, creds);
  return {
    identity,
    controller,
    node,
    close() {
      identity.close();
      controller.close();
      node.close();
    },
  };
}

/** A CSI call failure with its gRPC code. */
export class CsiCallError extends Error {
  constructor(readonly method: string, readonly code: number, readonly details: string) {
    super(`CSI ${method} failed with code ${code}: ${details}`);
  }
}

type Callback<Res> = (err: grpc.ServiceError | null, value: Res) => void;

/** Calls a unary CSI method and resolves with its response. */
export function unary<Req, Res>(
  method: string,
  fn: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown,
  request: Req,
  timeoutMs = 120_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => {
      if (err) reject(new CsiCallError(method, err.code, err.details));
      else resolve(value);
    });
  });
}
