/**
 * Our own upgrades on the local control plane, root, real loop drives. An earlier release of
 * this repository (the commit DIRECTPV_UPGRADE_FROM, by default the last one before DirectCSI
 * volumes could be served, exported with `git archive` into a temp dir) installs DirectPV with
 * its own CLI, runs its own driver, initialises the drives and serves a published volume. Then
 * `install` of this checkout upgrades it and the driver processes are replaced (as a rollout
 * replaces the pods): every DirectPVDrive, DirectPVVolume and DirectPVNode keeps its labels,
 * finalizers, spec and status, the published volume keeps its data, is unstaged and staged
 * again by the new node server, and a new claim is provisioned. Downgrading works: the earlier
 * release's `install` and driver take the cluster back and serve the same volume, data intact.
 * Both releases may report the same version string; the upgrade does not depend on it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { NodeGetVolumeStatsRequest } from "../../proto/mod.ts";
import { connectCsi, mountPodVolume, unary, unmountPodVolume } from "../kubelet/mod.ts";
import { run, testGate, toolsBinDir } from "../lib/mod.ts";
import { cli, type EnvState, REPO, restartWith, startEnv, stopEnv } from "../sandbox/env.ts";
import { createPod, mountForPod, provisionClaim } from "../sandbox/workload.ts";
import { sha256 } from "./directcsi_fixture.ts";

const FROM = Deno.env.get("DIRECTPV_UPGRADE_FROM") ?? "24449dde48065b916eacca5db67a1484cbfd335d";
const gate = await testGate("upgrade scenario", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl", "git", "tar"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "csi-provisioner"],
});

/** The earlier release's tree, exported from git (no worktree, nothing written to the repo). */
async function exportRelease(ref: string, dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const archive = join(dir, "..", "release.tar");
  await run("git", ["-C", REPO, "archive", "--format=tar", "-o", archive, ref]);
  await run("tar", ["-xf", archive, "-C", dir]);
  await Deno.remove(archive);
  return dir;
}

/** What an upgrade must keep of an object. */
function kept(o: AnyObject) {
  return {
    labels: o.metadata.labels,
    finalizers: o.metadata.finalizers,
    spec: o.spec,
    status: o.status,
  };
}

async function directpvObjects(kube: KubeClient) {
  const out: Record<string, unknown> = {};
  for (
    const [kind, client] of [["drive", kube.drives], ["volume", kube.volumes], [
      "node",
      kube.nodes,
    ]] as const
  ) {
    const c = client as unknown as { listAll(): Promise<AnyObject[]> };
    for (const o of await c.listAll()) out[`${kind}/${o.metadata.name}`] = kept(o);
  }
  return out;
}

async function version(env: EnvState): Promise<string> {
  return (await cli(env, ["--version"])).stdout.trim();
}

Deno.test({
  name:
    "upgrade: the earlier release's cluster is upgraded in place and downgraded again, volumes served",
  ignore: gate.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-upgrade-" });
    const binDir = await toolsBinDir();
    try {
      const old = await exportRelease(FROM, join(dir, "release"));
      const { env, kube } = await startEnv({
        dir: join(dir, "env"),
        repo: old,
        nodes: [{
          name: "up-node",
          drives: [{ name: "d1", size: "1GiB" }, { name: "d2", size: "1GiB" }],
        }],
      });
      const node = env.nodes[0];
      assert.ok(node);
      const oldVersion = await version(env);
      const yaml = join(dir, "drives.yaml");
      await cli(env, ["discover", "--output-file", yaml]);
      await cli(env, ["init", yaml, "--dangerous"]);
      const { pv } = await provisionClaim(kube, { name: "up-data", size: "32Mi", node: node.name });
      const pod = await createPod(kube, { name: "up-pod", node: node.name, claim: "up-data" });
      const paths = await mountForPod(node, pv, pod);
      const bytes = new Uint8Array(64 * 1024).map((_, i) => (i * 7919) & 0xff);
      await Deno.writeFile(join(paths.target, "data.bin"), bytes);
      const checksum = await sha256(join(paths.target, "data.bin"));
      const use = { endpoint: `unix://${node.endpoint}`, kubeletDir: node.kubeletDir, pv, pod };
      const before = await directpvObjects(kube);
      assert.equal(Object.keys(before).filter((k) => k.startsWith("drive/")).length, 2);

      await t.step(
        "install of this release upgrades in place; objects keep their fields",
        async () => {
          const current = { ...env };
          delete current.repo;
          const out =
            (await cli(current, ["install", "--allow-loop-devices", "--quota=best-effort"])).stdout;
          assert.doesNotMatch(out, /Error/);
          // deno-lint-ignore no-console
          console.log(
            `[upgrade] ${FROM.slice(0, 12)} (${oldVersion}) -> this checkout (${await version(
              current,
            )})`,
          );
          await restartWith(env, kube, binDir, undefined);
          assert.deepEqual(await directpvObjects(kube), before);
          const ds = await kube.daemonSets.get("node-server", { namespace: "directpv" });
          assert.ok(
            ds.spec.template.spec.containers.some((c: { args?: string[] }) =>
              c.args?.includes("node-server")
            ),
          );
        },
      );

      await t.step(
        "the published volume keeps serving, then is staged again by the new node server",
        async () => {
          assert.equal(
            await sha256(join(paths.target, "data.bin")),
            checksum,
            "data readable across the rollout",
          );
          const csi = connectCsi(`unix://${node.endpoint}`);
          try {
            const stats = await unary(
              "NodeGetVolumeStats",
              csi.node.nodeGetVolumeStats.bind(csi.node),
              NodeGetVolumeStatsRequest.fromPartial({
                volumeId: pv.spec.csi.volumeHandle,
                volumePath: paths.target,
              }),
            );
            assert.ok(
              stats.volumeCondition && !stats.volumeCondition.abnormal,
              stats.volumeCondition?.message ?? "no volume condition",
            );
          } finally {
            csi.close();
          }
          await unmountPodVolume(use);
          const again = await mountPodVolume(use);
          assert.equal(await sha256(join(again.target, "data.bin")), checksum);
          const fresh = await provisionClaim(kube, {
            name: "up-new",
            size: "16Mi",
            node: node.name,
          });
          assert.equal(fresh.pv.spec.csi.driver, "directpv-min-io");
        },
      );

      await t.step(
        "downgrade: the earlier release's install and driver serve the same volume",
        async () => {
          await cli({ ...env, repo: old }, [
            "install",
            "--allow-loop-devices",
            "--quota=best-effort",
          ]);
          await restartWith(env, kube, binDir, old);
          await unmountPodVolume(use);
          const back = await mountPodVolume(use);
          assert.equal(await sha256(join(back.target, "data.bin")), checksum);
          const after = await directpvObjects(kube);
          for (const [key, value] of Object.entries(before)) {
            if (key.startsWith("drive/")) {
              assert.deepEqual(
                (after[key] as { labels: unknown }).labels,
                (value as { labels: unknown }).labels,
                key,
              );
            }
          }
          await unmountPodVolume(use);
        },
      );
    } finally {
      const problems = await stopEnv(join(dir, "env"));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      assert.deepEqual(problems, []);
    }
  },
});
