import assert from "node:assert/strict";
import { entrypointScript, IMAGE_ENV, IMAGE_PATHS } from "./app.ts";
import { IMAGE_REPOSITORY, pushReference } from "./build.ts";
import {
  dockerManifest,
  imageConfig,
  imageIndex,
  imageManifest,
  type ImageSpec,
  type Layer,
  MEDIA_TYPES,
} from "./oci.ts";
import { baseKey, debianMirror, PACKAGES_FILE, parsePackages } from "./rootfs.ts";
import { RELEASE_TAG } from "../../lib/version/mod.ts";

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

Deno.test("debianMirror() finds the archive serving bookworm in deb822 and one-line sources", () => {
  assert.equal(debianMirror(DEB822), "http://deb.debian.org/debian");
  assert.equal(
    debianMirror(
      "deb http://security.debian.org/ bookworm-security main\n" +
        "deb [arch=amd64] http://mirror.example/debian bookworm main\n",
    ),
    "http://mirror.example/debian",
  );
  assert.equal(
    debianMirror("Types: deb-src\nURIs: http://x/debian\nSuites: bookworm\n"),
    undefined,
  );
  assert.equal(debianMirror("deb http://x/debian bullseye main\n"), undefined);
});

Deno.test("the package list holds what the driver runs; the base key follows every input", async () => {
  const packages = parsePackages(await Deno.readTextFile(PACKAGES_FILE));
  assert.deepEqual(packages, [
    "xfsprogs",
    "util-linux",
    "mount",
    "smartmontools",
    "attr",
    "ca-certificates",
  ]);
  assert.deepEqual(parsePackages("# c\n\na  # x\n b\n"), ["a", "b"]);
  const inputs = { suite: "bookworm", mirror: "http://m", packages, trimScript: "rm -rf x" };
  const key = baseKey(inputs);
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.equal(baseKey({ ...inputs }), key);
  for (
    const changed of [
      { ...inputs, packages: [...packages, "smartmontools"] },
      { ...inputs, mirror: "http://other" },
      { ...inputs, trimScript: "rm -rf y" },
    ]
  ) assert.notEqual(baseKey(changed), key);
});

Deno.test("pushReference() completes a registry or repository with our name and tag", () => {
  assert.equal(pushReference("127.0.0.1:5000"), `127.0.0.1:5000/directpv/directpv:${RELEASE_TAG}`);
  assert.equal(
    pushReference("127.0.0.1:5000/me/driver"),
    `127.0.0.1:5000/me/driver:${RELEASE_TAG}`,
  );
  assert.equal(pushReference("127.0.0.1:5000/me/driver:dev"), "127.0.0.1:5000/me/driver:dev");
  assert.equal(pushReference("reg:5000/x@sha256:ab"), "reg:5000/x@sha256:ab");
  assert.equal(IMAGE_REPOSITORY, "ghcr.io/directpv/directpv");
});

Deno.test("the entrypoint runs the bundle offline with the image's Deno cache", () => {
  const script = entrypointScript();
  assert.match(script, /^#!\/bin\/sh\n/);
  assert.match(
    script,
    /exec \/usr\/local\/bin\/deno run --allow-all --no-config --no-lock --cached-only/,
  );
  assert.match(
    script,
    / --v8-flags=--max-semi-space-size=1,--optimize-for-size \/opt\/directpv\/directpv\.js "\$@"\n$/,
  );
  assert.ok(IMAGE_ENV.includes(`DENO_DIR=${IMAGE_PATHS.denoDir}`));
});

const LAYERS: Layer[] = [
  { path: "/x/a", digest: "sha256:aa", size: 10, diffId: "sha256:a0", comment: "base" },
  { path: "/x/b", digest: "sha256:bb", size: 20, diffId: "sha256:b0", comment: "app" },
];
const SPEC: ImageSpec = {
  repository: "ghcr.io/directpv/directpv",
  tag: "v4.2.0",
  platform: { os: "linux", architecture: "amd64" },
  entrypoint: ["/usr/local/bin/directpv"],
  env: ["A=1"],
  labels: { "org.opencontainers.image.version": "4.2.0" },
  created: 86400,
};

Deno.test("imageConfig(), imageManifest() and imageIndex() follow the OCI image spec", () => {
  assert.deepEqual(imageConfig(SPEC, LAYERS), {
    created: "1970-01-02T00:00:00Z",
    architecture: "amd64",
    os: "linux",
    config: {
      Entrypoint: ["/usr/local/bin/directpv"],
      Env: ["A=1"],
      WorkingDir: "/",
      Labels: { "org.opencontainers.image.version": "4.2.0" },
    },
    rootfs: { type: "layers", diff_ids: ["sha256:a0", "sha256:b0"] },
    history: [
      { created: "1970-01-02T00:00:00Z", created_by: "base" },
      { created: "1970-01-02T00:00:00Z", created_by: "app" },
    ],
  });
  const config = { mediaType: MEDIA_TYPES.config, digest: "sha256:cc", size: 5 };
  assert.deepEqual(imageManifest(config, LAYERS, { k: "v" }), {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: [
      { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: "sha256:aa", size: 10 },
      { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: "sha256:bb", size: 20 },
    ],
    annotations: { k: "v" },
  });
  const manifest = { mediaType: MEDIA_TYPES.manifest, digest: "sha256:dd", size: 7 };
  assert.deepEqual(imageIndex(manifest, SPEC), {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{
      ...manifest,
      platform: { os: "linux", architecture: "amd64" },
      annotations: {
        "org.opencontainers.image.ref.name": "v4.2.0",
        "io.containerd.image.name": "ghcr.io/directpv/directpv:v4.2.0",
      },
    }],
  });
});

Deno.test("dockerManifest() points a Docker image tarball at the layout's blobs", () => {
  const config = { mediaType: MEDIA_TYPES.config, digest: "sha256:cc", size: 5 };
  assert.deepEqual(dockerManifest(SPEC, config, LAYERS), [{
    Config: "blobs/sha256/cc",
    RepoTags: ["ghcr.io/directpv/directpv:v4.2.0"],
    Layers: ["blobs/sha256/aa", "blobs/sha256/bb"],
  }]);
});
