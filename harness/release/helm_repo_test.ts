/**
 * The release directory as a Helm chart repository: served over loopback HTTP, the real helm
 * adds it, finds the chart, pulls the package whose digest the index names, and renders from
 * it exactly what the chart in `manifests/helm/directpv` renders.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { builtTool } from "../lib/mod.ts";
import { parse } from "yaml";
import { RELEASE_VERSION } from "../../lib/version/mod.ts";

const MAIN = fileURLToPath(new URL("../../tools/release/main.ts", import.meta.url));
const CHART = fileURLToPath(new URL("../../manifests/helm/directpv", import.meta.url));
const text = new TextDecoder();

async function exec(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Serves the files of `dir` on a loopback port. */
function serveDir(dir: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const name = new URL(request.url).pathname.replace(/^\/+/, "");
    if (name.includes("/") || name.startsWith(".")) return new Response("", { status: 404 });
    try {
      return new Response(await Deno.readFile(`${dir}/${name}`));
    } catch {
      return new Response("", { status: 404 });
    }
  });
}

async function standIns(dir: string): Promise<void> {
  for (const platform of ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"]) {
    await Deno.mkdir(`${dir}/${platform}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${platform}/kubectl-directpv`, "#!/bin/sh\n");
  }
}

Deno.test("helm adds the release as a chart repository, pulls the chart and renders it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "directpv-helm-repo-test-" });
  const server = serveDir(`${dir}/out`);
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    await standIns(`${dir}/bins`);
    const released = await exec(Deno.execPath(), [
      "run",
      "-A",
      "--frozen",
      MAIN,
      "--out",
      `${dir}/out`,
      "--binaries",
      `${dir}/bins`,
      "--base-url",
      url,
    ]);
    assert.equal(released.code, 0, released.stderr);
    const helm = await builtTool("helm", "DIRECTPV_HELM");
    const env = {
      HELM_CONFIG_HOME: `${dir}/helm/config`,
      HELM_CACHE_HOME: `${dir}/helm/cache`,
      HELM_DATA_HOME: `${dir}/helm/data`,
    };
    const added = await exec(helm, ["repo", "add", "directpv", url], env);
    assert.equal(added.code, 0, added.stderr);
    const found = await exec(helm, ["search", "repo", "directpv/directpv", "-o", "json"], env);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(JSON.parse(found.stdout)[0]?.version, RELEASE_VERSION);
    await Deno.mkdir(`${dir}/pulled`);
    const pulled = await exec(helm, ["pull", "directpv/directpv", "-d", `${dir}/pulled`], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    const index = parse(await Deno.readTextFile(`${dir}/out/index.yaml`));
    const sum = await exec("sha256sum", [`${dir}/pulled/directpv-${RELEASE_VERSION}.tgz`]);
    assert.equal(sum.stdout.split(" ")[0], index.entries.directpv[0].digest);
    const args = ["--kube-version", "1.35.0", "--set", "legacy=true"];
    const fromRepo = await exec(helm, ["template", "x", "directpv/directpv", ...args], env);
    const fromTree = await exec(helm, ["template", "x", CHART, ...args], env);
    assert.equal(fromRepo.code, 0, fromRepo.stderr);
    assert.ok(fromRepo.stdout.includes("kind: DaemonSet"));
    assert.equal(fromRepo.stdout, fromTree.stdout);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
