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
import type { AnyObject } from "../../lib/k8s/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { run, testGate, toolsBinDir } from "../lib/mod.ts";
import {
  directCsiClient,
  directCsiDrive,
  type DirectCsiDriveSpec,
  type DirectCsiVersion,
  directCsiVolume,
  type DirectCsiVolumeSpec,
} from "./directcsi_fixture.ts";
import {
  backupFiles,
  content,
  directpv,
  MIB,
  ok,
  report,
  servedAgain,
  snapshot,
  withWorld,
  type World,
} from "./directcsi_world.ts";

const gate = await testGate("DirectCSI migration scenarios", {
  root: true,
  commands: ["losetup", "mkfs.xfs", "mount", "umount", "openssl"],
  tools: ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"],
});

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
