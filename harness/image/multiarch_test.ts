/**
 * The multi-platform driver image (`<archive>.multiarch.oci.tar`): an image index over the
 * linux/amd64 image (the same manifest as the single-platform archive) and a linux/arm64 one,
 * whose root filesystem was assembled without running arm64 code. Its files are checked as
 * files: aarch64 ELF binaries whose interpreter and libraries are in the image, the CA bundle,
 * the accounts and dpkg's status; with qemu-user (installed by the test command), its Deno
 * runs the driver bundle. Root (owners, device nodes when unpacking).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { pathExists, removePath, run, testGate } from "../lib/mod.ts";
import {
  imageArchivePath,
  indexArchivePath,
  openArchive,
  openIndexArchive,
  sha256sum,
  unpackLayers,
} from "./oci_archive.ts";

const ARCHIVE = indexArchivePath();
const gate = await testGate("multi-platform image tests", { root: true, commands: ["tar"] });
const files = await testGate("the arm64 image's files", {
  root: true,
  commands: ["tar", "readelf"],
});
const qemu = await testGate("the arm64 image under qemu-user", {
  root: true,
  commands: ["tar", "qemu-aarch64-static"],
});
const LIB = "/usr/lib/aarch64-linux-gnu";

/** aarch64 executables and libraries the driver runs. */
const ARM64_ELF_FILES = [
  "/usr/local/bin/deno",
  "/usr/sbin/mkfs.xfs",
  "/usr/sbin/xfs_repair",
  "/usr/sbin/xfs_quota",
  "/usr/sbin/xfs_growfs",
  "/usr/bin/mount",
  "/usr/bin/umount",
  "/usr/sbin/blkid",
  "/usr/sbin/smartctl",
  "/usr/bin/dash",
  `${LIB}/libblkid.so.1`,
];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-multiarch-test-" });
  try {
    await fn(dir);
  } finally {
    await removePath(dir);
  }
}

Deno.test({
  name: "the multi-platform archive is an image index over linux/amd64 and linux/arm64",
  ignore: gate.ignore,
  fn: () =>
    withDir(async (dir) => {
      gate.assert();
      assert.ok(await pathExists(ARCHIVE), `No image at "${ARCHIVE}": run tools/image/build.sh`);
      const layout = await openIndexArchive(ARCHIVE, join(dir, "layout"));
      const [entry] = layout.top.manifests;
      assert.equal(layout.top.manifests.length, 1);
      assert.equal(entry.mediaType, "application/vnd.oci.image.index.v1+json");
      assert.equal(entry.annotations["org.opencontainers.image.ref.name"], RELEASE_TAG);
      assert.equal(await sha256sum(layout.blob(entry.digest)), entry.digest);
      const platforms = layout.index.manifests.map((m: { platform: unknown }) => m.platform);
      assert.deepEqual(platforms, [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ]);
      for (const m of layout.index.manifests) {
        assert.equal(await sha256sum(layout.blob(m.digest)), m.digest);
      }
      const amd64 = await layout.image("amd64");
      const arm64 = await layout.image("arm64");
      assert.equal(arm64.config.architecture, "arm64");
      assert.deepEqual(arm64.config.config, amd64.config.config, "same entrypoint and env");
      assert.equal(arm64.manifest.layers.length, 3, "base, deno, driver (no code cache)");
      assert.equal(arm64.manifest.layers[2].digest, amd64.manifest.layers[2].digest);
      const single = await openArchive(imageArchivePath(), join(dir, "single"));
      assert.equal(layout.index.manifests[0].digest, single.index.manifests[0].digest);
    }),
});

/** The machine readelf reads in an ELF header (independent of the builder's own check). */
async function elfMachine(path: string): Promise<string> {
  const out = await run("readelf", ["--file-header", "--wide", path]);
  return /^\s*Machine:\s+(.+)$/m.exec(out.stdout)?.[1]?.trim() ?? "not ELF";
}

/** The NEEDED libraries of an ELF file (readelf works on any architecture's files). */
async function neededLibraries(path: string): Promise<string[]> {
  const out = await run("readelf", ["--dynamic", "--wide", path]);
  return [...out.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)]
    .map((m) => m[1] ?? "");
}

Deno.test({
  name: "the arm64 image holds aarch64 tools whose loader and libraries it has",
  ignore: files.ignore,
  fn: () =>
    withDir(async (dir) => {
      files.assert();
      const rootfs = join(dir, "rootfs");
      const layout = await openIndexArchive(ARCHIVE, join(dir, "layout"));
      await unpackLayers(await layout.image("arm64"), rootfs);
      for (const file of ARM64_ELF_FILES) {
        assert.equal(await elfMachine(join(rootfs, file)), "AArch64", file);
        for (const lib of await neededLibraries(join(rootfs, file))) {
          assert.ok(await pathExists(join(rootfs, LIB, lib)), `${file} needs ${lib}`);
        }
      }
      assert.ok(await pathExists(join(rootfs, "lib/ld-linux-aarch64.so.1")), "the loader");
      const bundle = await Deno.readTextFile(join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
      assert.ok(bundle.split("BEGIN CERTIFICATE").length > 100, "the CA bundle");
      assert.match(await Deno.readTextFile(join(rootfs, "etc/passwd")), /^root:.*:0:0:/m);
      const status = await Deno.readTextFile(join(rootfs, "var/lib/dpkg/status"));
      assert.match(status, /^Package: xfsprogs\nStatus: install ok unpacked$/m);
      assert.match(status, /^Architecture: arm64$/m);
    }),
});

Deno.test({
  name: "under qemu-user the arm64 Deno runs the driver bundle offline",
  ignore: qemu.ignore,
  fn: () =>
    withDir(async (dir) => {
      qemu.assert();
      const rootfs = join(dir, "rootfs");
      const layout = await openIndexArchive(ARCHIVE, join(dir, "layout"));
      await unpackLayers(await layout.image("arm64"), rootfs);
      const deno = join(rootfs, "usr/local/bin/deno");
      const version = await run("qemu-aarch64-static", ["-L", rootfs, deno, "--version"]);
      assert.match(version.stdout, new RegExp(`^deno ${Deno.version.deno} `));
      const driver = await run("qemu-aarch64-static", [
        "-L",
        rootfs,
        "-E",
        `DENO_DIR=${join(dir, "deno-dir")}`,
        deno,
        "run",
        "--allow-all",
        "--no-config",
        "--no-lock",
        "--cached-only",
        join(rootfs, "opt/directpv/directpv.js"),
        "--version",
      ]);
      assert.equal(driver.stdout.trim(), RELEASE_TAG);
    }),
});
