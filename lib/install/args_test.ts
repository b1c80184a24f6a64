import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import {
  defaultInstallArgs,
  driverImage,
  imageTagOf,
  isSupportedKubeVersion,
  kubeVersionFromServer,
  parseKubeVersion,
} from "./mod.ts";
import { cleanDir, sidecarImage } from "./args.ts";
import { RELEASE_TAG } from "../version/mod.ts";

Deno.test("defaultInstallArgs() uses our image and DirectPV's other defaults", () => {
  const expected = {
    image: "directpv:v4.2.0",
    imageTag: "v4.2.0",
    registry: "ghcr.io",
    org: "directpv",
    imagePullSecrets: [],
    nodeSelector: {},
    tolerations: [],
    kubeVersion: { major: 1, minor: 35 },
    legacy: false,
    openshift: false,
    apparmorProfile: "",
    seccompProfile: "",
    allowLoopDevices: false,
    quota: "required",
    kubeletDir: "/var/lib/kubelet",
    registrarSidecars: false,
    separateNodeController: false,
    capacityTracking: true,
    retireDeletedNodes: false,
    snapshotController: "auto",
  };
  assert.deepEqual(defaultInstallArgs("v4.2.0"), expected);
  assert.deepEqual(defaultInstallArgs(), {
    ...expected,
    image: `directpv:${RELEASE_TAG}`,
    imageTag: RELEASE_TAG,
  });
});

Deno.test("imageTagOf() takes the tag after the last ':' without a '/'", async (t) => {
  const cases: Array<[string, string]> = [
    ["directpv:v4.1.6", "v4.1.6"],
    ["registry:5000/directpv", "dev"],
    ["registry:5000/directpv:v1", "v1"],
    ["directpv", "dev"],
  ];
  for (const [image, tag] of cases) await t.step(image, () => assert.equal(imageTagOf(image), tag));
});

Deno.test("driverImage() joins registry, org and image", () => {
  const args = defaultInstallArgs("v4.2.0");
  assert.equal(driverImage(args), "ghcr.io/directpv/directpv:v4.2.0");
  assert.equal(driverImage({ ...args, registry: "", org: "" }), "directpv:v4.2.0");
  assert.equal(
    driverImage({ ...args, registry: "localhost:5000/", org: "me" }),
    "localhost:5000/me/directpv:v4.2.0",
  );
  assert.equal(
    driverImage({ ...args, registry: "quay.io", org: "minio", image: "directpv:v4.1.6" }),
    "quay.io/minio/directpv:v4.1.6",
    "MinIO's driver when asked for",
  );
});

Deno.test("sidecarImage() picks the official, MinIO's or a mirror's sidecars", async (t) => {
  const args = defaultInstallArgs("v4.2.0");
  const official = "registry.k8s.io/sig-storage";
  await t.step("defaults: the official kubernetes-csi releases", () => {
    assert.equal(sidecarImage(args, "csiProvisioner"), `${official}/csi-provisioner:v6.3.0`);
    assert.equal(
      sidecarImage(args, "nodeDriverRegistrar"),
      `${official}/csi-node-driver-registrar:v2.17.0`,
    );
    assert.equal(sidecarImage(args, "livenessProbe"), `${official}/livenessprobe:v2.19.0`);
    assert.equal(sidecarImage(args, "csiResizer"), `${official}/csi-resizer:v2.2.0`);
  });
  await t.step("old provisioner before Kubernetes 1.20", () => {
    const old = { ...args, kubeVersion: { major: 1, minor: 19 } };
    assert.equal(sidecarImage(old, "csiProvisioner"), `${official}/csi-provisioner:v2.2.0`);
    assert.equal(sidecarImage(old, "csiResizer"), `${official}/csi-resizer:v2.2.0`);
  });
  await t.step("quay.io/minio: MinIO's rebuilds, as DirectPV v4.1.6 runs them", () => {
    const minio = { ...args, registry: "quay.io", org: "minio" };
    assert.equal(sidecarImage(minio, "csiProvisioner"), "quay.io/minio/csi-provisioner:v6.2.0-0");
    assert.equal(
      sidecarImage(minio, "nodeDriverRegistrar"),
      "quay.io/minio/csi-node-driver-registrar:v2.16.0-0",
    );
    assert.equal(sidecarImage(minio, "livenessProbe"), "quay.io/minio/livenessprobe:v2.18.0-0");
    assert.equal(sidecarImage(minio, "csiResizer"), "quay.io/minio/csi-resizer:v2.1.0-0");
    const old = { ...minio, kubeVersion: { major: 1, minor: 19 } };
    assert.equal(
      sidecarImage(old, "csiProvisioner"),
      "quay.io/minio/csi-provisioner:v2.2.0-go1.18",
    );
  });
  await t.step("another registry or org: the official images mirrored there", () => {
    const mine = { ...args, registry: "reg.local", org: "ops" };
    assert.equal(sidecarImage(mine, "csiResizer"), "reg.local/ops/csi-resizer:v2.2.0");
    const org = { ...args, org: "mirror" };
    assert.equal(sidecarImage(org, "csiProvisioner"), "ghcr.io/mirror/csi-provisioner:v6.3.0");
    const slash = { ...args, registry: "ghcr.io/", org: "directpv/" };
    assert.equal(
      sidecarImage(slash, "csiProvisioner"),
      `${official}/csi-provisioner:v6.3.0`,
      "the default registry and org, however written",
    );
  });
  await t.step("openshift", () => {
    const os = { ...args, openshift: true };
    const repo = "registry.redhat.io/openshift4";
    assert.equal(
      sidecarImage(os, "csiProvisioner"),
      `${repo}/ose-csi-external-provisioner-rhel8:v4.15`,
    );
    assert.equal(
      sidecarImage(os, "nodeDriverRegistrar"),
      `${repo}/ose-csi-node-driver-registrar-rhel8:v4.15`,
    );
    assert.equal(sidecarImage(os, "livenessProbe"), `${repo}/ose-csi-livenessprobe-rhel8:v4.15`);
    assert.equal(sidecarImage(os, "csiResizer"), `${repo}/ose-csi-external-resizer-rhel8:v4.15`);
    assert.equal(driverImage(os), "ghcr.io/directpv/directpv:v4.2.0");
  });
});

Deno.test("parseKubeVersion() reads semantic versions", () => {
  assert.deepEqual(parseKubeVersion("1.35.0"), { major: 1, minor: 35 });
  assert.deepEqual(parseKubeVersion("v1.29.3-eks+abc"), { major: 1, minor: 29 });
});

Deno.test("parseKubeVersion() rejects what is not a semantic version", async (t) => {
  for (const text of ["1.29", "one", "1.x.0", ""]) {
    await t.step(text || "(empty)", () => {
      assert.throws(() => parseKubeVersion(text), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.equal(
          err.message,
          `invalid kubernetes version ${text}; expected <major>.<minor>.<patch> such as 1.35.0`,
        );
        return true;
      });
    });
  }
});

Deno.test("kubeVersionFromServer() trims EKS-style minor suffixes", () => {
  assert.deepEqual(kubeVersionFromServer({ major: "1", minor: "29+" }), { major: 1, minor: 29 });
  assert.throws(() => kubeVersionFromServer({ major: "", minor: "29" }), InvalidArgumentError);
});

Deno.test("isSupportedKubeVersion() accepts 1.18 to 1.36", () => {
  const versions = [[1, 17], [1, 18], [1, 35], [1, 36], [1, 37], [2, 20]] as const;
  assert.deepEqual(
    versions.map(([major, minor]) => isSupportedKubeVersion({ major, minor })),
    [false, true, true, true, false, false],
  );
});

Deno.test("cleanDir() drops trailing and doubled slashes", () => {
  assert.equal(cleanDir("/var/lib/kubelet/"), "/var/lib/kubelet");
  assert.equal(cleanDir("/data//kubelet"), "/data/kubelet");
  assert.equal(cleanDir("/"), "/");
});
