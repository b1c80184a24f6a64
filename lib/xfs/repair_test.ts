import assert from "node:assert/strict";
import { UnsafeOperationError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { mountDrive } from "./mount.ts";
import { repairArgs, repairDrive, xfsRepair } from "./repair.ts";

const UUID = "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10";

Deno.test("repairArgs() follows xfs_repair <dev> -v [-L] [-P] [-n]", () => {
  assert.deepEqual(repairArgs("/dev/sdb"), ["/dev/sdb", "-v"]);
  assert.deepEqual(
    repairArgs("/dev/sdb", { force: true, disablePrefetch: true, dryRun: true }),
    ["/dev/sdb", "-v", "-L", "-P", "-n"],
  );
});

Deno.test("xfsRepair() streams output lines", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("xfs_repair", { stdout: "Phase 1\nPhase 2\n", stderr: "done\n" });
    const lines: string[] = [];
    await xfsRepair(host, "/dev/sdb", { onLine: (l) => lines.push(l) });
    assert.deepEqual(lines, ["Phase 1", "Phase 2", "done"]);
  } finally {
    await host.dispose();
  }
});

Deno.test("repairDrive() unmounts, repairs and mounts again", async () => {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    await host.setXfsQuotaSupport({ supported: true });
    host.onExec("xfs_repair");
    const dev = host.paths.dev("sdb");
    await mountDrive(host, dev, UUID, { quota: "required" });
    await repairDrive(host, dev, UUID, { mount: { quota: "required" } });
    assert.deepEqual(host.mountCalls.map((c) => c.kind), ["mount", "unmount", "mount"]);
    assert.deepEqual(host.execCalls.map((c) => c.command), ["xfs_repair"]);
    await host.addMount({ majorMinor: "8:16", mountPoint: "/elsewhere", source: dev });
    const err = await repairDrive(host, dev, UUID, { mount: { quota: "required" } }).catch((e) =>
      e
    );
    assert.ok(err instanceof UnsafeOperationError);
    assert.match(err.message, /still mounted at "\/elsewhere"/);
  } finally {
    await host.dispose();
  }
});
