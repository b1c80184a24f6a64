/**
 * DirectCSI migration on the local control plane, root, real XFS loop drives. For each
 * DirectCSI API version migration reads (v1beta3, v1beta4, v1beta5): a DirectPV environment
 * (harness/sandbox/env.ts), DirectCSI's CRDs serving up to that version, its drives (Ready,
 * InUse, Available) and volumes (one staged and published with DirectCSI's bind mounts still
 * in place, one never staged) on drives formatted as DirectCSI formatted them. Then, with the
 * real CLI: `migrate --dry-run` changes no object; `install` migrates; `migrate` creates or
 * changes no DirectPV object, backs the legacy objects up and removes them; the backups
 * restore with the real `kubectl apply`; the volumes are unstaged from DirectCSI's paths and
 * staged and published again through `legacy-node-server`, data checked by SHA-256. Also: a
 * migration killed midway (DIRECTPV_FAILPOINT) completes when run again, and bad input (a
 * duplicate filesystem UUID, a volume whose drive did not migrate) is reported by name while
 * the rest migrates and nothing is deleted. Each scenario prints what it migrated, skipped and
 * failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { AnyObject, KubeClient } from "../../lib/k8s/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import {
  connectCsi,
  mountPodVolume,
  unary,
  unmountPodVolume,
  volumePaths,
} from "../kubelet/mod.ts";
import {
  freeLoopbackPorts,
  pathExists,
  run,
  spawnDaemon,
  testGate,
  toolsBinDir,
  waitFor,
} from "../lib/mod.ts";
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

const gate = await testGate("DirectCSI migration scenarios", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"],
});
const MIB = 1024 ** 2;
const CLI = join(REPO, "tools/kubectl-directpv");

/** One scenario's environment and fixture. */
interface World {
  env: EnvState;
  kube: KubeClient;
  node: SimNode;
  dir: string;
  drives: DirectCsiDriveSpec[];
  volumes: DirectCsiVolumeSpec[];
  sums: Record<string, string>;
}

/** The real CLI in `cwd` (where migrate writes its backups); never throws. */
async function directpv(w: World, args: string[], env: Record<string, string> = {}) {
  const res = await run(CLI, ["--kubeconfig", w.env.kubeconfig, ...args], {
    allowFailure: true,
    cwd: w.dir,
    env: { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1", ...env },
  });
  return { code: res.code, out: res.stdout + res.stderr };
}

async function ok(w: World, args: string[]): Promise<string> {
  const res = await directpv(w, args);
  assert.equal(res.code, 0, `directpv ${args.join(" ")}: ${res.out}`);
  return res.out;
}

/** What a run printed about each object: migrated, skipped (with reason), failed. */
function report(scenario: string, out: string): void {
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

function podUse(w: World, volume: string, endpoint: string) {
  return {
    endpoint: `unix://${endpoint}`,
    kubeletDir: w.node.kubeletDir,
    pv: {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: volume },
      spec: { csi: { driver: "direct-csi-min-io", volumeHandle: volume } },
    } as AnyObject,
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `pod-${volume}`, namespace: "default", uid: `uid-${volume}` },
    } as AnyObject,
  };
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

async function snapshot(w: World, version: string) {
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

async function backupFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^directcsi(drives|volumes)-.*\.yaml$/.test(e.name)) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** Fields the API server sets; the rest of an object must survive a backup and restore. */
function content(o: AnyObject | undefined) {
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

async function withWorld(version: DirectCsiVersion, fn: (w: World) => Promise<void>) {
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

/** install → migrate → backups restored → migrate; every step compared with object dumps. */
async function migrationScenario(w: World, version: DirectCsiVersion): Promise<void> {
  const before = await snapshot(w, version);
  assert.equal(Object.keys(before.legacyDrives).length, 3);

  const dry = await ok(w, ["migrate", "--dry-run"]);
  assert.match(dry, /dry run/);
  assert.deepEqual(await snapshot(w, version), before, "--dry-run changes nothing");
  assert.deepEqual(await backupFiles(w.dir), [], "--dry-run writes no backup");

  const installed = await ok(w, ["install", "--allow-loop-devices", "--quota=best-effort"]);
  report(`${version} install`, installed);
  const [ready, used, avail] = w.drives as [
    DirectCsiDriveSpec,
    DirectCsiDriveSpec,
    DirectCsiDriveSpec,
  ];
  assert.match(installed, new RegExp(`Skipped directcsidrive/${avail.name}: status Available`));
  const migrated = await snapshot(w, version);
  assert.deepEqual(Object.keys(migrated.drives).sort(), [ready.fsuuid, used.fsuuid].sort());
  const [a, b] = w.volumes as [DirectCsiVolumeSpec, DirectCsiVolumeSpec];
  assert.deepEqual(Object.keys(migrated.volumes).sort(), [a.name, b.name].sort());
  const va = migrated.volumes[a.name] as AnyObject;
  assert.equal(va.status.status, "Ready");
  assert.equal(va.status.stagingTargetPath, a.stagingPath);
  assert.equal(va.status.targetPath, a.containerPath);
  assert.equal(va.metadata.labels?.[LABELS.migrated], "true");
  assert.equal((migrated.volumes[b.name] as AnyObject).status.status, "Pending");
  assert.deepEqual(migrated.legacyDrives, before.legacyDrives, "install keeps the legacy objects");

  const first = await ok(w, ["migrate"]);
  report(`${version} migrate`, first);
  const after = await snapshot(w, version);
  assert.deepEqual(
    [after.drives, after.volumes],
    [migrated.drives, migrated.volumes],
    "migrate again changes nothing",
  );
  assert.deepEqual(
    [after.legacyDrives, after.legacyVolumes],
    [{}, {}],
    "legacy objects removed after the backup",
  );
  const backups = await backupFiles(w.dir);
  assert.equal(backups.length, 2, backups.join(", "));

  const kubectl = join(await toolsBinDir(), "kubectl");
  for (const file of backups) {
    await run(kubectl, ["--kubeconfig", w.env.kubeconfig, "apply", "-f", file]);
  }
  const restored = await snapshot(w, version);
  for (const kind of ["legacyDrives", "legacyVolumes"] as const) {
    assert.deepEqual(Object.keys(restored[kind]).sort(), Object.keys(before[kind]).sort());
    for (const [name, o] of Object.entries(before[kind])) {
      const back = content(restored[kind][name]) as AnyObject;
      const { annotations: _a, ...meta } = back.metadata;
      assert.deepEqual({ ...back, metadata: meta }, content(o), `${name} restored as it was`);
    }
  }
  const again = await ok(w, ["migrate"]);
  report(`${version} migrate after restore`, again);
  const last = await snapshot(w, version);
  assert.deepEqual(
    [last.drives, last.volumes],
    [migrated.drives, migrated.volumes],
    "a re-migration changes nothing",
  );
  assert.match(
    again,
    new RegExp(
      `Skipped directcsidrive/${used.name}: already migrated to directpvdrive/${used.fsuuid}`,
    ),
  );
}

/** The kubelet restarts the pods: unstage from DirectCSI's paths, stage and publish again. */
async function servedAgain(w: World): Promise<void> {
  const socket = await startLegacyNodeServer(w);
  const driveRoot = join(w.node.appDir, "mnt", w.drives[1]?.fsuuid ?? "");
  await waitFor(() => pathExists(join(driveRoot, `.FSUUID.${w.drives[1]?.fsuuid}`)), {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: "the migrated drive mounted by the node server",
  });
  for (const v of w.volumes) {
    const use = podUse(w, v.name, socket);
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

/** A scenario on its own DirectCSI world of `version`. */
function scenario(name: string, version: DirectCsiVersion, fn: (w: World) => Promise<void>): void {
  Deno.test({
    name,
    ignore: gate.ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      gate.assert();
      await withWorld(version, fn);
    },
  });
}

for (const version of ["v1beta3", "v1beta4", "v1beta5"] as const) {
  scenario(
    `DirectCSI ${version}: install migrates; dry run, re-run and restored backups change nothing; data served`,
    version,
    async (w) => {
      await migrationScenario(w, version);
      await servedAgain(w);
    },
  );
}

scenario(
  "DirectCSI migration killed midway (during install, then during removal) completes when run again",
  "v1beta5",
  async (w) => {
    const version = "v1beta5";
    const before = await snapshot(w, version);
    const killed = await directpv(w, ["install", "--allow-loop-devices", "--quota=best-effort"], {
      DIRECTPV_FAILPOINT: "volume-migrated@1",
    });
    assert.notEqual(killed.code, 0, killed.out);
    report("interrupted install", killed.out);
    const half = await snapshot(w, version);
    assert.equal(Object.keys(half.drives).length, 2, "both drives migrated before the kill");
    assert.equal(
      Object.keys(half.volumes).length,
      1,
      "one volume of two: a half-migrated cluster",
    );

    const cut = await directpv(w, ["migrate"], { DIRECTPV_FAILPOINT: "legacy-removed@2" });
    assert.notEqual(cut.code, 0, cut.out);
    report("migrate killed while removing", cut.out);
    const mid = await snapshot(w, version);
    assert.equal(Object.keys(mid.volumes).length, 2);
    assert.equal(Object.keys(mid.legacyVolumes).length, 0, "both legacy volumes removed");
    assert.equal(Object.keys(mid.legacyDrives).length, 3, "no legacy drive removed yet");
    assert.equal((await backupFiles(w.dir)).length, 2, "backed up before anything was removed");

    await new Promise((r) => setTimeout(r, 1100)); // a new second: new backup file names
    const done = await ok(w, ["migrate"]);
    report("migrate re-run", done);
    const after = await snapshot(w, version);
    assert.deepEqual([after.legacyDrives, after.legacyVolumes], [{}, {}]);
    assert.deepEqual(after.drives, mid.drives, "the re-run changed no migrated drive");
    assert.deepEqual(after.volumes, mid.volumes);
    // Every legacy object is in some backup.
    const text = (await Promise.all((await backupFiles(w.dir)).map((f) => Deno.readTextFile(f))))
      .join("\n");
    for (
      const name of [...Object.keys(before.legacyDrives), ...Object.keys(before.legacyVolumes)]
    ) {
      assert.match(text, new RegExp(`name: ${name}\\b`), `${name} backed up`);
    }
    await servedAgain(w);
  },
);

scenario(
  "DirectCSI bad input: duplicate filesystem UUID and a volume on an unmigrated drive are named, the rest migrates, nothing is deleted",
  "v1beta5",
  async (w) => {
    const version = "v1beta5";
    const [ready, used, avail] = w.drives as [
      DirectCsiDriveSpec,
      DirectCsiDriveSpec,
      DirectCsiDriveSpec,
    ];
    const dup: DirectCsiDriveSpec = { ...ready, name: "d-dup", loop: avail.loop, volumes: {} };
    await directCsiClient(w.kube, "drive", version).create(directCsiDrive(dup, version));
    const orphan: DirectCsiVolumeSpec = { name: "pvc-orphan", drive: avail, size: 8 * MIB };
    await directCsiClient(w.kube, "volume", version).create(directCsiVolume(orphan, version));
    const before = await snapshot(w, version);

    const res = await directpv(w, ["migrate"]);
    report("bad input", res.out);
    assert.equal(res.code, 1, res.out);
    assert.match(
      res.out,
      new RegExp(
        `Duplicate filesystem UUID "${ready.fsuuid}" in legacy drives (d-dup and ${ready.name}|${ready.name} and d-dup)`,
      ),
    );
    assert.match(
      res.out,
      new RegExp(`Referring drive ${avail.name} of volume pvc-orphan not found`),
    );
    assert.match(res.out, /Migration failed: 2 object\(s\) could not be migrated/);
    const after = await snapshot(w, version);
    assert.deepEqual(Object.keys(after.drives), [used.fsuuid], "the unambiguous drive migrated");
    assert.deepEqual(Object.keys(after.volumes).sort(), w.volumes.map((v) => v.name).sort());
    assert.deepEqual(after.legacyDrives, before.legacyDrives, "no legacy object deleted");
    assert.deepEqual(after.legacyVolumes, before.legacyVolumes);
    assert.deepEqual(await backupFiles(w.dir), [], "nothing removed, so nothing to back up");

    const installed = await directpv(w, [
      "install",
      "--allow-loop-devices",
      "--quota=best-effort",
    ]);
    report("bad input install", installed.out);
    assert.match(installed.out, /pvc-orphan/);
    assert.deepEqual((await snapshot(w, version)).legacyVolumes, before.legacyVolumes);
  },
);
