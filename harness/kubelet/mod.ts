/**
 * kubelet's side of CSI, replayed for clusters without kubelet: node registration and the
 * node volume calls with kubelet's path layout.
 * May import: lib/k8s, lib/errors, proto, harness/lib.
 * @module
 */
export {
  DRIVER,
  expandPodVolume,
  mountPodVolume,
  type PodVolume,
  podVolumeOf,
  registerNode,
  unmountPodVolume,
  unregisterNode,
  type VolumePaths,
  volumePaths,
} from "./kubelet.ts";
export { connectCsi, CsiCallError, type CsiClients, unary } from "./csi_client.ts";
