/**
 * kubelet's side of CSI, replayed for clusters without kubelet: node registration and the
 * node volume calls with kubelet's path layout.
 * May import: lib/k8s, lib/errors, proto.
 * @module
 */
export * from "./kubelet.ts";
export { connectCsi, CsiCallError, type CsiClients, unary } from "./csi_client.ts";
