/**
 * The CSI cases over a real unix socket: the same world served by grpc-js, the case bytes sent
 * by a grpc-js client as they are (no client-side encoding), the status read back.
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { CsiCase } from "./csi_gen.ts";

/** Sends a case and resolves with the status; `close` stops client and server. */
export interface SocketSender {
  send(c: CsiCase): Promise<{ code: grpc.status; details: string }>;
  close(): void;
}

/** A server for the world's services on a socket in `dir`, and a client sending raw bytes. */
/** The services to serve, as grpc-js takes them. */
export type Services = Record<
  string,
  { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }
>;

export async function socketSender(services: Services, dir: string): Promise<SocketSender> {
  const server = new grpc.Server();
  for (const service of Object.values(services)) {
    server.addService(service.definition, service.implementation);
  }
  const address = `unix:${join(dir, "csi.sock")}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(
      address,
      grpc.ServerCredentials.createInsecure(),
      (e) => e ? reject(e) : resolve(),
    )
  );
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const send = (c: CsiCase): Promise<{ code: grpc.status; details: string }> =>
    new Promise((resolve) => {
      const path = `/csi.v1.${c.service}/${c.method}`;
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(c.bytes),
        (err) => resolve({ code: err?.code ?? grpc.status.OK, details: err?.details ?? "" }),
      );
    });
  const close = () => {
    client.close();
    server.forceShutdown();
  };
  return { send, close };
}
