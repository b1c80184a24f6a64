/**
 * The sidecar images `install` deploys by default are the releases the tests build and run:
 * `harness/tools/build.sh` pins csi-provisioner and csi-resizer, and the real-node layer serves
 * images built from those pins under the default names. Changing one without the other fails.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultInstallArgs } from "./mod.ts";
import { SIDECAR_IMAGES, sidecarImage } from "./args.ts";

const BUILD_SH = fileURLToPath(new URL("../../harness/tools/build.sh", import.meta.url));

function pin(script: string, name: string): string {
  const m = new RegExp(`^${name}=(\\S+)`, "m").exec(script);
  assert.ok(m?.[1], `harness/tools/build.sh pins no ${name}`);
  return m[1];
}

Deno.test("install's default sidecars are the versions harness/tools/build.sh builds", async () => {
  const script = await Deno.readTextFile(BUILD_SH);
  const args = defaultInstallArgs();
  assert.equal(SIDECAR_IMAGES.csiProvisioner.tag, pin(script, "CSI_PROVISIONER_VERSION"));
  assert.equal(SIDECAR_IMAGES.csiResizer.tag, pin(script, "CSI_RESIZER_VERSION"));
  assert.equal(SIDECAR_IMAGES.csiSnapshotter.tag, pin(script, "CSI_SNAPSHOTTER_VERSION"));
  assert.equal(SIDECAR_IMAGES.snapshotController.tag, pin(script, "CSI_SNAPSHOTTER_VERSION"));
  assert.equal(
    sidecarImage(args, "csiProvisioner"),
    `registry.k8s.io/sig-storage/csi-provisioner:${pin(script, "CSI_PROVISIONER_VERSION")}`,
  );
  assert.equal(
    sidecarImage(args, "csiResizer"),
    `registry.k8s.io/sig-storage/csi-resizer:${pin(script, "CSI_RESIZER_VERSION")}`,
  );
  assert.equal(
    sidecarImage(args, "csiSnapshotter"),
    `registry.k8s.io/sig-storage/csi-snapshotter:${pin(script, "CSI_SNAPSHOTTER_VERSION")}`,
  );
});
