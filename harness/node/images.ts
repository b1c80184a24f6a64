/**
 * The images every real-node environment pushes to its loopback registry, built from
 * binaries already on this machine: the pod sandbox (our static pause), a shell for test pods
 * (Debian's busybox-static), kubectl for in-cluster API checks, and the CSI sidecars built by
 * `harness/tools/build.sh` under exactly the names `kubectl directpv install` deploys.
 */
import { ensureFile, run } from "../lib/mod.ts";
import { PAUSE_IMAGE } from "./config.ts";
import type { ImageSpec } from "./registry.ts";

/** Busybox for test pods: `sh`, `sleep`, `mount`, `cat` and the rest of its applets. */
export const BUSYBOX_IMAGE = "docker.io/library/busybox:1.35.0";
/** kubectl of the harness's Kubernetes version, entrypoint `/bin/kubectl`. */
export const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.36.3";
/** The sidecars at the versions `harness/tools/build.sh` builds. */
export const CSI_PROVISIONER_IMAGE = "registry.k8s.io/sig-storage/csi-provisioner:v6.3.0";
export const CSI_RESIZER_IMAGE = "registry.k8s.io/sig-storage/csi-resizer:v2.2.0";
export const CSI_SNAPSHOTTER_IMAGE = "registry.k8s.io/sig-storage/csi-snapshotter:v8.6.0";
/** The snapshot controller `install` adds to a cluster without one (built with csi-snapshotter). */
export const SNAPSHOT_CONTROLLER_IMAGE = "registry.k8s.io/sig-storage/snapshot-controller:v8.6.0";

const BUSYBOX = "/bin/busybox";

/** The image specs of the standard images, with busybox-static installed when missing. */
export async function standardImages(binDir: string): Promise<ImageSpec[]> {
  await ensureFile(BUSYBOX, "busybox-static");
  const applets = (await run(BUSYBOX, ["--list"])).stdout.split("\n").filter((a) =>
    /^[a-z0-9_.[-]+$/.test(a) && a !== "busybox"
  );
  return [
    { name: PAUSE_IMAGE, files: { [`${binDir}/pause`]: "/pause" }, entrypoint: ["/pause"] },
    {
      name: BUSYBOX_IMAGE,
      files: { [BUSYBOX]: BUSYBOX },
      links: Object.fromEntries(applets.map((a) => [`/bin/${a}`, BUSYBOX])),
      cmd: ["sh"],
    },
    {
      name: KUBECTL_IMAGE,
      files: { [`${binDir}/kubectl`]: "/bin/kubectl" },
      entrypoint: ["/bin/kubectl"],
    },
    sidecar(binDir, CSI_PROVISIONER_IMAGE, "csi-provisioner"),
    sidecar(binDir, CSI_RESIZER_IMAGE, "csi-resizer"),
    sidecar(binDir, CSI_SNAPSHOTTER_IMAGE, "csi-snapshotter"),
    sidecar(binDir, SNAPSHOT_CONTROLLER_IMAGE, "snapshot-controller"),
  ];
}

function sidecar(binDir: string, name: string, binary: string): ImageSpec {
  return { name, files: { [`${binDir}/${binary}`]: `/${binary}` }, entrypoint: [`/${binary}`] };
}
