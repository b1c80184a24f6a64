import assert from "node:assert/strict";
import { FailedPreconditionError, UnsafeOperationError } from "../errors/mod.ts";
import { captureLogger } from "../log/testing.ts";
import { FakeHost } from "../sys/testing.ts";
import { detectQuotaSupport, mountDrive, unmountDrive } from "./mount.ts";

const UUID = "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10";

async function withHost(fn: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32" });
    await fn(host);
  } finally {
    await host.dispose();
  }
}

Deno.test("mountDrive() mounts with noatime and prjquota at <app>/mnt/<fsuuid>", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: true });
    const out = await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" });
    assert.deepEqual(out, {
      mountPoint: host.paths.app("mnt", UUID),
      quota: true,
      alreadyMounted: false,
    });
    assert.deepEqual(host.mountCalls[0], {
      kind: "mount",
      source: host.paths.dev("sdb"),
      target: host.paths.app("mnt", UUID),
      fsType: "xfs",
      options: ["noatime", "prjquota"],
    });
  });
});

Deno.test("mountDrive() is a no-op when the same device is mounted there", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: true });
    await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" });
    const again = await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" });
    assert.ok(again.alreadyMounted);
    assert.ok(again.quota);
    assert.equal(host.mountCalls.length, 1);
  });
});

Deno.test("mountDrive() refuses to mount a different device over a drive", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: true });
    await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" });
    const err = await mountDrive(host, host.paths.dev("sdc"), UUID, { quota: "required" })
      .catch((e) => e);
    assert.ok(err instanceof UnsafeOperationError);
    assert.match(err.message, /^Cannot mount device ".*\/dev\/sdc" at ".*": already mounted by/);
    assert.equal(host.mountCalls.length, 1);
  });
});

Deno.test("mountDrive() with required quota fails clearly on a kernel without XFS quota", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: false });
    const err = await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" })
      .catch((e) => e);
    assert.ok(err instanceof FailedPreconditionError, String(err));
    assert.match(err.message, /dev\/sdb" with project quota: the kernel has no XFS quota/);
    assert.match(err.message, /--quota=best-effort/);
    assert.equal((await host.mounter.mountInfo()).length, 0);
  });
});

Deno.test("mountDrive() with best-effort quota mounts without prjquota", async (t) => {
  await t.step("support known to be missing", async () => {
    await withHost(async (host) => {
      await host.setXfsQuotaSupport({ supported: false });
      const out = await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "best-effort" });
      assert.ok(!out.quota);
      assert.deepEqual(host.mountCalls.map((c) => c.options), [["noatime"]]);
    });
  });
  await t.step("support unknown: try, then fall back", async () => {
    await withHost(async (host) => {
      host.onMount((call) => {
        if (call.options.includes("prjquota")) throw new Error("not a CommandError");
      });
      await assert.rejects(
        () => mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "best-effort" }),
        /not a CommandError/,
      );
    });
    await withHost(async (host) => {
      await host.setXfsQuotaSupport({ supported: false });
      await Deno.remove(host.paths.proc("fs/xfs"), { recursive: true });
      const { logger, records } = captureLogger();
      const out = await mountDrive(host, host.paths.dev("sdb"), UUID, {
        quota: "best-effort",
        log: logger,
      });
      assert.ok(!out.quota);
      assert.equal(host.mountCalls.length, 2);
      assert.ok(records.some((r) => r.msg === "Mounting without project quota"));
    });
  });
});

Deno.test("detectQuotaSupport() reads /proc/fs/xfs", async () => {
  await withHost(async (host) => {
    assert.equal(await detectQuotaSupport(host), undefined);
    await host.setXfsQuotaSupport({ supported: false });
    assert.equal(String(await detectQuotaSupport(host)), "false");
    await host.setXfsQuotaSupport({ supported: true });
    assert.ok(await detectQuotaSupport(host));
  });
});

Deno.test("unmountDrive() force-detaches and is a no-op when not mounted", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: true });
    await unmountDrive(host, UUID);
    assert.equal(host.mountCalls.length, 0);
    await mountDrive(host, host.paths.dev("sdb"), UUID, { quota: "required" });
    await unmountDrive(host, UUID);
    assert.deepEqual(host.mountCalls.at(-1)?.options, ["force", "detach"]);
    assert.equal((await host.mounter.mountInfo()).length, 0);
  });
});
