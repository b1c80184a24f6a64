/**
 * The DirectCSI world of one migration scenario (harness/e2e/directcsi_migration_test.ts): a
 * DirectPV environment whose node has three loop drives laid out and described as DirectCSI
 * left them, the real CLI run in the scenario's directory, object dumps, the legacy node server,
 * and what each run printed about each object.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import {
  connectCsi,
  mountPodVolume,
  podVolumeOf,
  unary,
  unmountPodVolume,
  volumePaths,
} from "../kubelet/mod.ts";
import { freeLoopbackPorts, pathExists, run, spawnDaemon, waitFor } from "../lib/mod.ts";
import { type EnvState, REPO, saveState, type SimNode, startEnv, stopEnv } from "../sandbox/env.ts";
import {
  directCsiClient,
  directCsiDrive,
  type DirectCsiDriveSpec,
  type DirectCsiVersion,
  directCsiVolume,
  type DirectCsiVolumeSpec,
  dumpObjects,
  installDirectCsiCrds,
  layOutDrive,
  sha256,
} from "./directcsi_fixture.ts";

export const MIB = 1024 ** 2;
const CLI = join(REPO, "tools/kubectl-directpv");

/** One scenario's environment and fixture. */
export interface World {
  env: EnvState;
  kube: KubeClient;
  node: SimNode;
  dir: string;
  drives: DirectCsiDriveSpec[];
  volumes: DirectCsiVolumeSpec[];
  sums: Record<string, string>;
}

/** The real CLI in `cwd` (where migrate writes its backups); never throws. */
export async function directpv(
  w: World,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const res = await run(CLI, ["--kubeconfig", w.env.kubeconfig, ...args], {
    allowFailure: true,
    cwd: w.dir,
    env: { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1", ...env },
  });
  return { code: res.code, out: res.stdout + res.stderr };
}

export async function ok(w: World, args: string[]): Promise<string> {
  const res = await directpv(w, args);
  assert.equal(res.code, 0, `directpv ${args.join(" ")}: ${res.out}`);
  return res.out;
}

/** What a run printed about each object: migrated, skipped (with reason), failed. */
export function report(scenario: string, out: string): void {
  const lines = out.split("\n");
  const skipped = lines.flatMap((l) => /Skipped (\S+: .*)$/.exec(l)?.[1] ?? []);
  const done = new Set(skipped.map((s) => s.split(":")[0]));
  const migrated = lines.flatMap((l) => {
    const m = /Migrating (directcsi\w+) (\S+) to/.exec(l);
    return m && !done.has(`${m[1]}/${m[2]}`) ? [`${m[1]}/${m[2]}`] : [];
  });
  const failed = lines.flatMap((l) =>
    /(Duplicate filesystem UUID.*|Referring drive .*|Unable to migrate.*|Invalid filesystem.*)$/
      .exec(l)?.[1] ?? []
  );
  // deno-lint-ignore no-console
  console.log(
    `[migration ${scenario}] migrated ${migrated.length}: ${migrated.join(", ") || "-"}\n` +
      `[migration ${scenario}] skipped ${skipped.length}: ${skipped.join("; ") || "-"}\n` +
      `[migration ${scenario}] failed ${failed.length}: ${failed.join("; ") || "-"}`,
  );
}

function fixture(node: SimNode, dir: string, stamp: string) {
  const [ready, inuse, avail] = node.drives;
  assert.ok(ready && inuse && avail);
  const drives: DirectCsiDriveSpec[] = [
    {
      name: `d-ready-${stamp}`,
      node: node.name,
      loop: ready,
      status: "Ready",
      fsuuid: crypto.randomUUID(),
      volumes: {},
    },
    {
      name: `d-inuse-${stamp}`,
      node: node.name,
      loop: inuse,
      status: "InUse",
      fsuuid: crypto.randomUUID(),
      volumes: { [`pvc-a-${stamp}`]: 32 * MIB, [`pvc-b-${stamp}`]: 16 * MIB },
    },
    { name: `d-avail-${stamp}`, node: node.name, loop: avail, status: "Available", volumes: {} },
  ];
  const [, used] = drives as [DirectCsiDriveSpec, DirectCsiDriveSpec];
  void dir;
  return { drives, used };
}

/** Mounts a staged and published volume as DirectCSI left it (its drive mount, two binds). */
async function directCsiMounts(w: World, spec: DirectCsiVolumeSpec): Promise<void> {
  const paths = await volumePaths(w.node.kubeletDir, spec.name, `uid-${spec.name}`, spec.name);
  const driveMount = join(w.dir, "direct-csi", "mnt", spec.drive.name);
  if (!(await pathExists(driveMount))) {
    await Deno.mkdir(driveMount, { recursive: true });
    await run("mount", [spec.drive.loop.device, driveMount]);
  }
  await Deno.mkdir(paths.staging, { recursive: true });
  await run("mount", ["--bind", `${driveMount}/${spec.name}`, paths.staging]);
  await Deno.mkdir(paths.target, { recursive: true });
  await run("mount", ["--bind", paths.staging, paths.target]);
  spec.stagingPath = paths.staging;
  spec.containerPath = paths.target;
}

/** Builds the DirectCSI cluster of `version` on a fresh environment. */
async function directCsiWorld(version: DirectCsiVersion, dir: string): Promise<World> {
  const { env, kube } = await startEnv({
    dir,
    nodes: [{ name: "dcsi-node", drives: ["r", "u", "a"].map((n) => ({ name: n, size: "1GiB" })) }],
    controller: false,
  });
  const node = env.nodes[0] as SimNode;
  const stamp = version;
  const { drives, used } = fixture(node, dir, stamp);
  const sums: Record<string, string> = {};
  for (const d of drives) Object.assign(sums, await layOutDrive(d, join(dir, "seed", d.name)));
  const names = Object.keys(used.volumes);
  const volumes: DirectCsiVolumeSpec[] = names.map((name) => ({
    name,
    drive: used,
    size: used.volumes[name] ?? 0,
  }));
  const w: World = { env, kube, node, dir, drives, volumes, sums };
  await directCsiMounts(w, volumes[0] as DirectCsiVolumeSpec);
  await installDirectCsiCrds(kube, version);
  for (const d of drives) {
    await directCsiClient(kube, "drive", version).create(directCsiDrive(d, version));
  }
  for (const v of volumes) {
    await directCsiClient(kube, "volume", version).create(directCsiVolume(v, version));
  }
  return w;
}

/** Every DirectCSI and DirectPV drive and volume, by name, as read. */
export interface Snapshot {
  legacyDrives: Record<string, AnyObject>;
  legacyVolumes: Record<string, AnyObject>;
  drives: Record<string, AnyObject>;
  volumes: Record<string, AnyObject>;
}

export async function snapshot(w: World, version: string): Promise<Snapshot> {
  return {
    legacyDrives: await dumpObjects(directCsiClient(w.kube, "drive", version)),
    legacyVolumes: await dumpObjects(directCsiClient(w.kube, "volume", version)),
    drives: await dumpObjects(w.kube.drives as unknown as { listAll(): Promise<AnyObject[]> }),
    volumes: await dumpObjects(w.kube.volumes as unknown as { listAll(): Promise<AnyObject[]> }),
  };
}

async function startLegacyNodeServer(w: World): Promise<string> {
  const socket = join(w.node.dir, "legacy", "csi.sock");
  await Deno.mkdir(join(w.node.dir, "legacy"), { recursive: true });
  const [readiness = 0] = freeLoopbackPorts(1);
  const proc = await spawnDaemon({
    name: "legacy-node-server",
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      "--frozen",
      join(REPO, "driver/main.ts"),
      "legacy-node-server",
      "--kubeconfig",
      w.env.kubeconfig,
      "--kube-node-name",
      w.node.name,
      "--csi-endpoint",
      `unix://${socket}`,
      "--listen-address",
      "127.0.0.1",
      "--readiness-port",
      String(readiness),
      "--allow-loop-devices",
      "--quota=best-effort",
      "--app-dir",
      w.node.appDir,
      "--kubelet-dir",
      w.node.kubeletDir,
      "--loop-backing-dir",
      w.node.loopDir,
    ],
    logFile: join(w.dir, "logs", "legacy-node-server.log"),
  });
  w.env.processes.push(proc);
  await saveState(w.env);
  // The socket file exists from bind(); calls succeed once the server listens.
  const csi = connectCsi(`unix://${socket}`);
  try {
    await waitFor(
      () =>
        unary("Probe", csi.identity.probe.bind(csi.identity), {}, 2_000).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000, intervalMs: 200, description: "the legacy node server serving" },
    );
  } finally {
    csi.close();
  }
  return socket;
}

export async function backupFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^directcsi(drives|volumes)-.*\.yaml$/.test(e.name)) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** Fields the API server sets; the rest of an object must survive a backup and restore. */
export function content(o: AnyObject | undefined): AnyObject | undefined {
  if (!o) return undefined;
  const {
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    managedFields: _m,
    generation: _g,
    ...meta
  } = o.metadata;
  return { ...o, metadata: meta };
}

export async function withWorld(
  version: DirectCsiVersion,
  fn: (w: World) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `directpv-dcsi-${version}-` });
  let w: World | undefined;
  try {
    w = await directCsiWorld(version, dir);
    await fn(w);
  } catch (err) {
    const logs = [];
    const logDir = join(dir, "logs");
    const names = await pathExists(logDir)
      ? (await Array.fromAsync(Deno.readDir(logDir))).map((e) => e.name)
      : [];
    for (const name of names) {
      const text = await Deno.readTextFile(join(logDir, name)).catch(() => "");
      logs.push(`--- ${name}\n${text.split("\n").slice(-15).join("\n")}`);
    }
    throw new Error(`${err}\n${logs.join("\n")}`, { cause: err });
  } finally {
    const problems = await stopEnv(dir);
    assert.deepEqual(problems, [], "the environment is cleaned up");
  }
}

/** The kubelet restarts the pods: unstage from DirectCSI's paths, stage and publish again. */
export async function servedAgain(w: World): Promise<void> {
  const socket = await startLegacyNodeServer(w);
  const driveRoot = join(w.node.appDir, "mnt", w.drives[1]?.fsuuid ?? "");
  await waitFor(() => pathExists(join(driveRoot, `.FSUUID.${w.drives[1]?.fsuuid}`)), {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: "the migrated drive mounted by the node server",
  });
  for (const v of w.volumes) {
    const use = podVolumeOf({
      endpoint: `unix://${socket}`,
      kubeletDir: w.node.kubeletDir,
      driver: "direct-csi-min-io",
      volume: v.name,
    });
    if (v.stagingPath) await unmountPodVolume(use);
    const paths = await mountPodVolume(use);
    assert.equal(
      await sha256(join(paths.target, "data.bin")),
      w.sums[v.name],
      `${v.name} data intact`,
    );
    const volume = await w.kube.volumes.get(v.name);
    assert.equal(volume.status.targetPath, paths.target);
    await unmountPodVolume(use);
  }
}
