import assert from "node:assert/strict";
import {
  CommandError,
  FailedPreconditionError,
  NotFoundError,
  UnsafeOperationError,
} from "../lib/errors/mod.ts";
import { LABELS } from "../lib/types/mod.ts";
import { type DriverOptions, EXIT, type Role, runProgram } from "./flags.ts";
import { repairDrive, type RepairRequest } from "./repair.ts";
import { type Fixture, NODE, withFixture } from "./reconcile/testing.ts";

const U1 = "11111111-2222-4333-8444-555555555555";
const MAJ_MIN = "7:91";

function request(flags: Partial<RepairRequest> = {}): RepairRequest {
  return { driveId: U1, force: false, disablePrefetch: false, dryRun: false, ...flags };
}

function deps(f: Fixture) {
  return { ...f.deps, host: f.host };
}

/** A Ready drive on `loop1`, mounted at its mount point. */
async function mountedDrive(f: Fixture): Promise<string> {
  await f.addDisk({ name: "loop1", uuid: U1, majorMinor: MAJ_MIN });
  await f.seedDrive(U1, { deviceName: "loop1" });
  const mountPoint = f.host.paths.app("mnt", U1);
  await f.host.fs.mkdir(mountPoint, { recursive: true });
  await f.host.mounter.mount(f.host.paths.dev("loop1"), mountPoint, { fsType: "xfs" });
  return mountPoint;
}

function repairCalls(f: Fixture): string[][] {
  return f.host.execCalls.filter((c) => c.command === "xfs_repair").map((c) => c.args);
}

Deno.test("repairDrive() unmounts, runs xfs_repair with the flags and mounts again", async (t) => {
  const cases: [string, Partial<RepairRequest>, string[]][] = [
    ["no flags", {}, []],
    ["dry run", { dryRun: true }, ["-n"]],
    ["force", { force: true }, ["-L"]],
    ["disable prefetch", { disablePrefetch: true }, ["-P"]],
    ["all flags", { force: true, disablePrefetch: true, dryRun: true }, ["-L", "-P", "-n"]],
  ];
  for (const [name, flags, extra] of cases) {
    await t.step(name, () =>
      withFixture(async (f) => {
        const mountPoint = await mountedDrive(f);
        const seen: string[] = [];
        f.host.onExec("xfs_repair", async () => {
          seen.push((await f.drive(U1)).status.status);
          assert.ok(!f.host.mounts.some((m) => m.mountPoint === mountPoint), "unmounted");
          return { stdout: "Phase 1 - find and verify superblock...\nPhase 2 - done\n" };
        });
        await repairDrive(deps(f), request(flags));
        assert.deepEqual(seen, ["Repairing"]);
        assert.deepEqual(repairCalls(f), [[f.host.paths.dev("loop1"), "-v", ...extra]]);
        const drive = await f.drive(U1);
        assert.equal(drive.status.status, "Ready");
        assert.ok(f.host.mounts.some((m) => m.mountPoint === mountPoint), "mounted again");
        const unmounted = f.host.mountCalls.filter((c) => c.kind === "unmount")
          .map((c) => c.target);
        assert.ok(unmounted.includes(mountPoint));
        assert.ok(f.logs.some((l) => l.msg === "Phase 2 - done"), "output streamed to the log");
      }));
  }
});

Deno.test("repairDrive() clears an earlier repair or mount error on success", () =>
  withFixture(async (f) => {
    await mountedDrive(f);
    const drive = await f.drive(U1);
    drive.status.status = "Error";
    drive.status.conditions = [{
      type: "RepairError",
      status: "True",
      reason: "DriveHasRepairError",
      message: "xfs_repair failed: boom",
      lastTransitionTime: "2024-01-01T00:00:00Z",
    }];
    await f.kube.drives.update(drive);
    f.host.onExec("xfs_repair", {});
    await repairDrive(deps(f), request());
    const after = await f.drive(U1);
    assert.equal(after.status.status, "Ready");
    assert.equal(after.status.conditions, undefined);
  }));

Deno.test("repairDrive() accepts and unmounts the legacy mount point", () =>
  withFixture(async (f) => {
    await mountedDrive(f);
    const legacy = f.host.paths.legacyApp("mnt", U1);
    await f.host.addMount({ mountPoint: legacy, majorMinor: MAJ_MIN, fsType: "xfs" });
    f.host.onExec("xfs_repair", {});
    await repairDrive(deps(f), request());
    assert.ok(!f.host.mounts.some((m) => m.mountPoint === legacy), "legacy mount gone");
    assert.equal((await f.drive(U1)).status.status, "Ready");
  }));

Deno.test("repairDrive() refuses a device mounted elsewhere and restores the status", () =>
  withFixture(async (f) => {
    await mountedDrive(f);
    await f.host.addMount({ mountPoint: "/mnt/other", majorMinor: MAJ_MIN, fsType: "xfs" });
    const before = f.host.mountCalls.length;
    await assert.rejects(
      repairDrive(deps(f), request()),
      (err: Error) =>
        err instanceof UnsafeOperationError &&
        err.message === "unable to run xfs repair; device /dev/loop1 still mounted in [/mnt/other]",
    );
    assert.equal(f.host.mountCalls.length, before, "nothing unmounted");
    assert.deepEqual(repairCalls(f), []);
    assert.equal((await f.drive(U1)).status.status, "Ready");
  }));

Deno.test("repairDrive() marks the drive Error when xfs_repair fails, still remounting", () =>
  withFixture(async (f) => {
    const mountPoint = await mountedDrive(f);
    f.host.onExec("xfs_repair", { code: 1, stderr: "fatal error -- bad superblock" });
    await assert.rejects(repairDrive(deps(f), request()), CommandError);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Error");
    const condition = drive.status.conditions?.find((c) => c.type === "RepairError");
    assert.equal(condition?.reason, "DriveHasRepairError");
    assert.match(condition?.message ?? "", /^xfs_repair failed: .*bad superblock/);
    assert.ok(f.host.mounts.some((m) => m.mountPoint === mountPoint), "mounted again");
  }));

Deno.test("repairDrive() marks the drive Error with MountError when the remount fails", () =>
  withFixture(async (f) => {
    await mountedDrive(f);
    f.host.onExec("xfs_repair", {});
    f.host.onMount((call) => {
      if (call.kind !== "mount") return;
      throw new CommandError({ command: "mount", args: [], code: 32, stderr: "bad superblock" });
    });
    await assert.rejects(repairDrive(deps(f), request()), CommandError);
    const drive = await f.drive(U1);
    assert.equal(drive.status.status, "Error");
    const condition = drive.status.conditions?.find((c) => c.type === "MountError");
    assert.equal(condition?.reason, "DriveHasMountError");
    assert.match(condition?.message ?? "", /bad superblock/);
    const events = await f.events();
    assert.equal(events.length, 1);
    assert.match(events[0] ?? "", /^DriveHasMountError: .*bad superblock/);
  }));

Deno.test("repairDrive() refuses a drive of another node or a missing one", async (t) => {
  await t.step("another node", () =>
    withFixture(async (f) => {
      await f.addDisk({ name: "loop1", uuid: U1 });
      await f.seedDrive(U1, { labels: { [LABELS.node]: "node2" } });
      await assert.rejects(
        repairDrive(deps(f), request()),
        (err: Error) => err instanceof FailedPreconditionError && /node "node2"/.test(err.message),
      );
      assert.equal((await f.drive(U1)).status.status, "Ready");
      assert.deepEqual(repairCalls(f), []);
    }));
  await t.step("missing drive", () =>
    withFixture(async (f) => {
      await assert.rejects(repairDrive(deps(f), request()), {
        name: "NotFoundError",
        message: `Drive "${U1}" not found`,
      });
    }));
  await t.step("several devices carry the FSUUID", () =>
    withFixture(async (f) => {
      await f.addDisk({ name: "loop1", uuid: U1 });
      await f.addDisk({ name: "loop2", uuid: U1 });
      await f.seedDrive(U1);
      await assert.rejects(
        repairDrive(deps(f), request()),
        (err: Error) => err instanceof FailedPreconditionError && /loop2/.test(err.message),
      );
      assert.equal((await f.drive(U1)).status.status, "Ready", "status restored");
      assert.deepEqual(repairCalls(f), []);
    }));
  await t.step("no device carries the FSUUID", () =>
    withFixture(async (f) => {
      await f.seedDrive(U1, { status: "Lost" });
      await assert.rejects(repairDrive(deps(f), request()), NotFoundError);
      assert.equal((await f.drive(U1)).status.status, "Lost", "status restored");
      assert.deepEqual(repairCalls(f), []);
    }));
});

async function parse(argv: string[]) {
  const calls: { role: Role; options: DriverOptions }[] = [];
  let err = "";
  const code = await runProgram(argv, {
    out: () => {},
    err: (t) => (err += t),
    run: (role, options) => {
      calls.push({ role, options });
      return Promise.resolve(EXIT.ok);
    },
  });
  return { code, calls, err };
}

Deno.test("runProgram() parses repair and rejects a wrong number of DRIVE-IDs", async (t) => {
  await t.step("flags", async () => {
    const argv = ["repair", U1, "--kube-node-name", NODE, "--force", "--dry-run"];
    const { code, calls } = await parse(argv);
    assert.equal(code, EXIT.ok);
    assert.equal(calls[0]?.role, "repair");
    assert.deepEqual(calls[0]?.options.repair, request({ force: true, dryRun: true }));
    assert.equal(calls[0]?.options.kubeNodeName, NODE);
  });
  const bad: [string, string[], string][] = [
    ["none", ["repair", "--kube-node-name", NODE], "DRIVE-ID must be provided"],
    ["two", ["repair", U1, "x", "--kube-node-name", NODE], "only one DRIVE-ID must be provided"],
    ["no node", ["repair", U1], "value to --kube-node-name must be provided"],
  ];
  for (const [name, argv, message] of bad) {
    await t.step(name, async () => {
      const { code, calls, err } = await parse(argv);
      assert.equal(code, EXIT.usage);
      assert.deepEqual(calls, []);
      assert.equal(err, `Error: ${message}\n`);
    });
  }
});
