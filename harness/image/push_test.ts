/**
 * `tools/image/build.sh --push` into a real OCI registry on loopback (`crane registry serve`,
 * built by harness/tools/build.sh): the pushed image validates and is the one in the archive the
 * same build wrote, under our name and the release tag. The archive file itself pushes too
 * (`crane push FILE`, which reads it as a Docker image tarball), as the real-node harness does.
 * `--push-index` pushes the image index over linux/amd64 and linux/arm64 as one tag. Root (the
 * build).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RELEASE_TAG } from "../../lib/version/mod.ts";
import {
  freeLoopbackPorts,
  removePath,
  run,
  spawnDaemon,
  stopProcess,
  testGate,
  toolsBinDir,
  waitFor,
} from "../lib/mod.ts";
import { openArchive } from "./oci_archive.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const gate = await testGate("image push", { root: true, tools: ["crane"] });

Deno.test({
  name: "build.sh --push puts the archive's image in a registry as directpv/directpv:<release>",
  ignore: gate.ignore,
  async fn() {
    gate.assert();
    const crane = join(await toolsBinDir(), "crane");
    const dir = await Deno.makeTempDir({ prefix: "directpv-image-push-" });
    const [port = 0] = freeLoopbackPorts(1);
    await Deno.mkdir(join(dir, "registry"));
    const registry = await spawnDaemon({
      name: "registry",
      command: crane,
      args: [
        "registry",
        "serve",
        "--address",
        `127.0.0.1:${port}`,
        "--disk",
        join(dir, "registry"),
      ],
      logFile: join(dir, "registry.log"),
    });
    try {
      await waitFor(
        () => fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.body?.cancel().then(() => r.ok)),
        { timeoutMs: 10_000, description: "the registry" },
      );
      const archive = join(dir, "image.tar");
      await run("bash", [
        join(REPO, "tools/image/build.sh"),
        "--output",
        archive,
        "--push",
        `127.0.0.1:${port}`,
        "--push-index",
        `127.0.0.1:${port}/multi/directpv`,
      ]);
      const ref = `127.0.0.1:${port}/directpv/directpv:${RELEASE_TAG}`;
      const validated = await run(crane, ["validate", "--remote", ref], { allowFailure: true });
      assert.equal(validated.code, 0, validated.stdout + validated.stderr);
      const layout = await openArchive(archive, join(dir, "layout"));
      const pushed = (await run(crane, ["digest", ref])).stdout.trim();
      assert.equal(
        pushed,
        layout.index.manifests[0].digest,
        "the registry holds the archive's image",
      );
      const config = JSON.parse((await run(crane, ["config", ref])).stdout);
      assert.deepEqual(config.config.Entrypoint, ["/usr/local/bin/directpv"]);

      const multi = `127.0.0.1:${port}/multi/directpv:${RELEASE_TAG}`;
      const index = JSON.parse((await run(crane, ["manifest", multi])).stdout);
      assert.deepEqual(
        index.manifests.map((m: { platform: unknown }) => m.platform),
        [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }],
      );
      assert.equal(index.manifests[0].digest, pushed, "the index holds the amd64 image pushed");
      const arm64 = await run(crane, ["config", "--platform", "linux/arm64", multi]);
      assert.equal(JSON.parse(arm64.stdout).architecture, "arm64");
      const checked = await run(crane, ["validate", "--remote", multi], { allowFailure: true });
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);

      const fromFile = `127.0.0.1:${port}/from-archive/directpv:${RELEASE_TAG}`;
      await run(crane, ["push", "--insecure", archive, fromFile]);
      const again = await run(crane, ["validate", "--remote", fromFile], { allowFailure: true });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      const fileConfig = JSON.parse((await run(crane, ["config", fromFile])).stdout);
      assert.deepEqual(fileConfig.rootfs, config.rootfs, "the same layers");
    } finally {
      await stopProcess(registry, { graceMs: 5_000 });
      await removePath(dir);
    }
  },
});
