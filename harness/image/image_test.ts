/**
 * The driver image as `tools/image/build.sh` wrote it (`$DIRECTPV_IMAGE_ARCHIVE`, by default
 * `dist/directpv-<tag>.oci.tar`): a valid OCI layout for linux/amd64 named
 * `ghcr.io/directpv/directpv:<tag>`, whose layers unpack into a root filesystem that holds what
 * the driver runs and runs it: `directpv --version` prints our version with no network and an
 * empty Deno cache, and the system tools the node server calls start. Root (chroot, unshare).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import { pathExists, removePath, run, testGate } from "../lib/mod.ts";
import {
  imageArchivePath,
  type ImageLayout,
  openArchive,
  runInRootfs,
  sha256sum,
  unpackLayers,
} from "./oci_archive.ts";

const ARCHIVE = imageArchivePath();
const gate = await testGate("image tests", {
  root: true,
  commands: ["tar", "unshare", "chroot"],
});

/** What the node server and the repair job run, and what starts them. */
const REQUIRED_FILES = [
  "/usr/sbin/mkfs.xfs",
  "/usr/sbin/xfs_repair",
  "/usr/sbin/xfs_quota",
  "/usr/sbin/xfs_growfs",
  "/usr/bin/mount",
  "/usr/bin/umount",
  "/usr/sbin/blkid",
  "/usr/lib/x86_64-linux-gnu/libblkid.so.1",
  "/usr/sbin/smartctl",
  "/usr/local/bin/deno",
  "/usr/local/bin/directpv",
  "/opt/directpv/directpv.js",
  "/etc/ssl/certs/ca-certificates.crt",
];

/** Each tool runs (its shared libraries are there), checked by its version output. */
const TOOL_VERSIONS: Array<[string[], RegExp]> = [
  [["mkfs.xfs", "-V"], /^mkfs\.xfs version \d/],
  [["xfs_repair", "-V"], /^xfs_repair version \d/],
  [["xfs_quota", "-V"], /^xfs_quota version \d/],
  [["mount", "--version"], /^mount from util-linux \d/],
  [["umount", "--version"], /^umount from util-linux \d/],
  [["blkid", "--version"], /^blkid from util-linux \d/],
  [["smartctl", "--version"], /^smartctl \d/],
  [["deno", "--version"], /^deno 2\.9\.6 /],
  // The device probe loads libblkid through Deno's FFI, as lib/sys/blkid.ts does.
  [[
    "deno",
    "eval",
    "--no-config",
    'const l = Deno.dlopen("libblkid.so.1", { blkid_get_library_version: { parameters: ' +
    '["buffer", "buffer"], result: "i32" } }); console.log("libblkid", ' +
    "l.symbols.blkid_get_library_version(null, null));",
  ], /^libblkid \d+\s*$/],
];

async function layerChecks(layout: ImageLayout): Promise<void> {
  const { manifest, config } = layout;
  assert.equal(manifest.layers.length, config.rootfs.diff_ids.length);
  for (const [i, layer] of manifest.layers.entries()) {
    assert.equal(await sha256sum(layout.blob(layer.digest)), layer.digest, `layer ${i} digest`);
    assert.equal((await Deno.stat(layout.blob(layer.digest))).size, layer.size, `layer ${i} size`);
    const tar = `${layout.blob(layer.digest)}.tar`;
    await run("sh", ["-c", 'gzip -dc "$1" >"$2"', "sh", layout.blob(layer.digest), tar]);
    assert.equal(await sha256sum(tar), config.rootfs.diff_ids[i], `layer ${i} diff_id`);
    await Deno.remove(tar);
  }
}

Deno.test({
  name: "the driver image archive is an OCI layout of ghcr.io/directpv/directpv for linux/amd64",
  ignore: gate.ignore,
  async fn() {
    gate.assert();
    assert.ok(await pathExists(ARCHIVE), `No image at "${ARCHIVE}": run tools/image/build.sh`);
    const dir = await Deno.makeTempDir({ prefix: "directpv-image-test-" });
    try {
      const layout = await openArchive(ARCHIVE, join(dir, "layout"));
      assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "layout", "oci-layout"))), {
        imageLayoutVersion: "1.0.0",
      });
      const [entry] = layout.index.manifests;
      assert.equal(layout.index.manifests.length, 1);
      assert.deepEqual(entry.platform, { os: "linux", architecture: "amd64" });
      assert.equal(entry.annotations["org.opencontainers.image.ref.name"], RELEASE_TAG);
      assert.equal(
        entry.annotations["io.containerd.image.name"],
        `ghcr.io/directpv/directpv:${RELEASE_TAG}`,
      );
      assert.equal(await sha256sum(layout.blob(entry.digest)), entry.digest);
      assert.equal(layout.config.os, "linux");
      assert.equal(layout.config.architecture, "amd64");
      assert.deepEqual(layout.config.config.Entrypoint, ["/usr/local/bin/directpv"]);
      assert.ok(layout.config.config.Env.includes("DENO_DIR=/var/cache/directpv/deno"));
      await layerChecks(layout);
    } finally {
      await removePath(dir);
    }
  },
});

Deno.test({
  name: "the driver image holds what the driver runs, and runs it offline",
  ignore: gate.ignore,
  async fn(t) {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-image-test-" });
    try {
      const layout = await openArchive(ARCHIVE, join(dir, "layout"));
      const rootfs = join(dir, "rootfs");
      await unpackLayers(layout, rootfs);
      const env: string[] = layout.config.config.Env;
      const inImage = (command: string[], options: { offline?: boolean } = {}) =>
        runInRootfs(rootfs, command, { env, isolateNet: options.offline ?? false });
      await t.step("files", async () => {
        for (const file of REQUIRED_FILES) {
          const info = await Deno.stat(join(rootfs, file)).catch(() => undefined);
          assert.ok(info?.isFile, `${file} is missing`);
        }
        assert.equal(await Deno.readLink(join(rootfs, "directpv")), "usr/local/bin/directpv");
      });
      await t.step("directpv --version, no network, empty Deno cache", async () => {
        const cold = ["/usr/bin/env", "DENO_DIR=/tmp/empty-deno-dir", "directpv", "--version"];
        for (const command of [["directpv", "--version"], cold, ["/directpv", "--version"]]) {
          const r = await inImage(command, { offline: true });
          assert.equal(r.code, 0, `${command.join(" ")}: ${r.stderr}`);
          assert.equal(r.stdout.trim(), RELEASE_TAG);
        }
      });
      await t.step("the bundle is this checkout's driver", async () => {
        const r = await inImage(["directpv", "--help"], { offline: true });
        assert.equal(r.code, 0, r.stderr);
        for (const flag of ["--kubelet-registration-path", "--health-port", "--loop-backing-dir"]) {
          assert.ok(r.stdout.includes(flag), `directpv --help lacks ${flag}`);
        }
      });
      await t.step("system tools start", async () => {
        for (const [command, expected] of TOOL_VERSIONS) {
          const r = await inImage(command);
          assert.equal(r.code, 0, `${command.join(" ")}: ${r.stderr}`);
          assert.match(r.stdout + r.stderr, expected, command.join(" "));
        }
      });
      await t.step("trimmed: no apt caches, lists or documentation", async () => {
        const listed = async (path: string) =>
          (await Array.fromAsync(Deno.readDir(join(rootfs, path)))).map((e) => e.name);
        assert.deepEqual(await listed("var/lib/apt/lists"), []);
        assert.deepEqual(
          (await listed("var/cache/apt/archives")).filter((n) => n.endsWith(".deb")),
          [],
        );
        assert.deepEqual(await listed("usr/share/man"), []);
        const docs = await run("find", [
          join(rootfs, "usr/share/doc"),
          "-type",
          "f",
          "!",
          "-name",
          "copyright",
        ]);
        assert.equal(docs.stdout.trim(), "", "only copyright files are left in /usr/share/doc");
      });
    } finally {
      await removePath(dir);
    }
  },
});
