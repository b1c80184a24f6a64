/**
 * `deno task release` (tools/release/main.ts): the clean stop when deno compile's runtime
 * cannot be had, a compile with a stand-in runtime (the real deno binary, which builds the
 * executable but does not run it as a standalone program), and the krew side checked by the
 * real krew: `krew install --manifest --archive` for every platform, which applies krew's
 * manifest validation, the sha256 of the archive and the `kubectl-directpv` binary in it.
 *
 * krew comes from the tool cache (`harness/tools/build.sh krew`) or DIRECTPV_KREW.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { builtTool } from "../lib/mod.ts";
import { parse } from "yaml";
import { RELEASE_TAG, RELEASE_VERSION } from "../../lib/version/mod.ts";

const MAIN = fileURLToPath(new URL("../../tools/release/main.ts", import.meta.url));
const PLATFORMS = ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"];
const text = new TextDecoder();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(cmd: string, args: string[], env: Record<string, string>): Promise<Result> {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Runs the release task with no runtime to be found (an empty cache, a closed port). */
function release(args: string[], env: Record<string, string>): Promise<Result> {
  return exec(Deno.execPath(), ["run", "-A", "--frozen", MAIN, ...args], {
    DIRECTPV_DENORT_BASE: "http://127.0.0.1:9",
    ...env,
  });
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "directpv-release-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("without a compile runtime the task names every platform, exits 1 and writes nothing", () =>
  withTemp(async (dir) => {
    const empty = `${dir}/none`;
    await Deno.mkdir(empty);
    const r = await release(["--out", `${dir}/out`], {
      DIRECTPV_DENORT_DIR: empty,
      DIRECTPV_DENORT_CACHE: empty,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Cannot build kubectl-directpv for 4 platform\(s\)/m);
    for (const triple of ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]) {
      assert.match(r.stderr, new RegExp(`${triple}: no ${empty}/denort-${triple};`));
    }
    assert.match(r.stderr, /Set DIRECTPV_DENORT_DIR/);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["none"]);
  }));

Deno.test("an unknown platform is refused by name", () =>
  withTemp(async (dir) => {
    const r = await release(["--out", `${dir}/out`, "--targets", "linux-riscv64"], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unknown platform "linux-riscv64" in --targets; known: linux-amd64/);
    assert.ok(!await exists(`${dir}/out`), "nothing written");
  }));

Deno.test("with a runtime the task compiles an x86-64 ELF with the version in it", () =>
  withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/rt`);
    await Deno.symlink(Deno.execPath(), `${dir}/rt/denort-x86_64-unknown-linux-gnu`);
    const r = await release(["--out", `${dir}/out`, "--targets", "linux-amd64"], {
      DIRECTPV_DENORT_DIR: `${dir}/rt`,
      DIRECTPV_DENORT_CACHE: `${dir}/rt`,
    });
    assert.equal(r.code, 0, r.stderr);
    const binary = await Deno.readFile(`${dir}/out/kubectl-directpv_${RELEASE_TAG}_linux_amd64`);
    assert.deepEqual([...binary.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    const littleEndian = true;
    const machine = new DataView(binary.buffer).getUint16(18, littleEndian);
    assert.equal(machine, 0x3e, "e_machine x86-64");
    const stamp = new TextEncoder().encode(`RELEASE_VERSION = "${RELEASE_VERSION}"`);
    assert.ok(indexOf(binary, stamp) >= 0, "the release version is compiled in");
    assert.match(r.stdout, /kubectl-directpv_v[0-9.]+_linux_amd64\.tar\.gz$/m);
  }));

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first ?? 0); i >= 0; i = haystack.indexOf(first ?? 0, i + 1)) {
    if (needle.every((b, j) => haystack[i + j] === b)) return i;
  }
  return -1;
}

/** Stand-in binaries, one per platform, that print their platform. */
async function standIns(dir: string): Promise<void> {
  for (const platform of PLATFORMS) {
    await Deno.mkdir(`${dir}/${platform}`, { recursive: true });
    const file = `${dir}/${platform}/kubectl-directpv`;
    await Deno.writeTextFile(file, `#!/bin/sh\necho "${platform} $*"\n`);
    await Deno.chmod(file, 0o755);
  }
}

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    platforms: { selector: { matchLabels: Record<string, string> }; uri: string; bin: string }[];
  };
};

Deno.test("krew installs the release for every platform from its manifest and archives", () =>
  withTemp(async (dir) => {
    await standIns(`${dir}/bins`);
    const r = await release(["--out", `${dir}/out`, "--binaries", `${dir}/bins`], {});
    assert.equal(r.code, 0, r.stderr);
    const manifest = parse(await Deno.readTextFile(`${dir}/out/directpv.yaml`)) as Manifest;
    assert.equal(manifest.apiVersion, "krew.googlecontainertools.github.com/v1alpha2");
    assert.equal(manifest.kind, "Plugin");
    assert.equal(manifest.metadata.name, "directpv", "the name matches the file name");
    assert.equal(manifest.spec.version, RELEASE_TAG);
    const labels = manifest.spec.platforms.map((p) => JSON.stringify(p.selector.matchLabels));
    assert.equal(new Set(labels).size, PLATFORMS.length, "no two platforms overlap");
    const krew = await builtTool("krew", "DIRECTPV_KREW");
    for (const platform of PLATFORMS) {
      const [os = "", arch = ""] = platform.split("-");
      const archive = `${dir}/out/kubectl-directpv_${RELEASE_TAG}_${os}_${arch}.tar.gz`;
      const root = `${dir}/krew-${platform}`;
      const env = { KREW_ROOT: root, KREW_OS: os, KREW_ARCH: arch, KREW_NO_UPGRADE_CHECK: "1" };
      const args = ["install", `--manifest=${dir}/out/directpv.yaml`, `--archive=${archive}`];
      const installed = await exec(krew, args, env);
      assert.equal(installed.code, 0, installed.stderr);
      const target = await Deno.readLink(`${root}/bin/kubectl-directpv`);
      assert.match(target, new RegExp(`/store/directpv/${RELEASE_TAG}/kubectl-directpv$`));
      const ran = await exec(`${root}/bin/kubectl-directpv`, ["version"], {});
      assert.equal(ran.stdout, `${platform} version\n`);
    }
    const sums = await Deno.readTextFile(`${dir}/out/SHA256SUMS`);
    const listed = sums.trim().split("\n").map((line) => line.split(/\s+/)[1]);
    const binaries = PLATFORMS.map((p) => `kubectl-directpv_${RELEASE_TAG}_${p.replace("-", "_")}`);
    const expected = [
      ...binaries,
      ...binaries.map((b) => `${b}.tar.gz`),
      "directpv.yaml",
      `directpv-${RELEASE_VERSION}.tgz`,
      "index.yaml",
    ];
    assert.deepEqual(listed, expected.sort());
    for (const line of sums.trim().split("\n")) {
      const [sum = "", file = ""] = line.split(/\s+/);
      const actual = await exec("sha256sum", [`${dir}/out/${file}`], {});
      assert.equal(actual.stdout.split(" ")[0], sum, file);
    }
  }));

Deno.test("krew refuses an archive whose sha256 is not the manifest's", () =>
  withTemp(async (dir) => {
    await standIns(`${dir}/bins`);
    const r = await release(["--out", `${dir}/out`, "--binaries", `${dir}/bins`], {});
    assert.equal(r.code, 0, r.stderr);
    const archive = `${dir}/out/kubectl-directpv_${RELEASE_TAG}_linux_amd64.tar.gz`;
    const other = `${dir}/out/kubectl-directpv_${RELEASE_TAG}_linux_arm64.tar.gz`;
    await Deno.copyFile(other, archive);
    const env = { KREW_ROOT: `${dir}/krew`, KREW_OS: "linux", KREW_ARCH: "amd64" };
    const args = ["install", `--manifest=${dir}/out/directpv.yaml`, `--archive=${archive}`];
    const installed = await exec(await builtTool("krew", "DIRECTPV_KREW"), args, {
      ...env,
      KREW_NO_UPGRADE_CHECK: "1",
    });
    assert.notEqual(installed.code, 0);
    assert.match(installed.stderr, /checksum does not match/);
  }));
