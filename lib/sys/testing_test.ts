import assert from "node:assert/strict";
import { CommandError, DeadlineExceededError } from "../errors/mod.ts";
import { parseMountInfo } from "./mountinfo.ts";
import { FakeHost } from "./testing.ts";

async function withHost(fn: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    await fn(host);
  } finally {
    await host.dispose();
  }
}

Deno.test("FakeHost scripts commands and records them", async () => {
  await withHost(async (host) => {
    host.onExec("mkfs.xfs", { stdout: "ok\n" });
    host.onExec(/^xfs_quota .* report/, (call) => ({ stdout: call.args.join("|") }));
    host.onExec((c) => c.command === "false", { code: 1, stderr: "nope" });
    assert.equal((await host.exec.run("mkfs.xfs", ["/dev/sdb"])).stdout, "ok\n");
    assert.equal((await host.exec.run("xfs_quota", ["-c", "report"])).stdout, "-c|report");
    await assert.rejects(() => host.exec.run("false", []), CommandError);
    assert.equal((await host.exec.run("false", [], { allowFailure: true })).code, 1);
    const err = await host.exec.run("unknown", ["x"]).catch((e) => e);
    assert.ok(err instanceof CommandError);
    assert.equal(err.code, 127);
    assert.deepEqual(host.execCalls.map((c) => c.command), [
      "mkfs.xfs",
      "xfs_quota",
      "false",
      "false",
      "unknown",
    ]);
  });
});

Deno.test("FakeHost streams output lines and honours abort", async () => {
  await withHost(async (host) => {
    host.onExec("xfs_repair", { stdout: "a\nb\n", stderr: "c\n" });
    const lines: string[] = [];
    await host.exec.run("xfs_repair", [], { onLine: (l, s) => lines.push(`${s}:${l}`) });
    assert.deepEqual(lines, ["stdout:a", "stdout:b", "stderr:c"]);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      () => host.exec.run("xfs_repair", [], { signal: ac.signal }),
      DeadlineExceededError,
    );
  });
});

Deno.test("FakeHost mounts write proc mountinfo files the real parser reads", async () => {
  await withHost(async (host) => {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    const target = host.paths.app("mnt", "u");
    await Deno.mkdir(target, { recursive: true });
    await host.mounter.mount(host.paths.dev("sdb"), target, {
      fsType: "xfs",
      options: ["noatime", "prjquota"],
    });
    await Deno.mkdir(`${target}/vol`);
    const staging = host.paths.host("/var/lib/kubelet/staging");
    await Deno.mkdir(staging, { recursive: true });
    await host.mounter.bindMount(`${target}/vol`, staging, { readOnly: true });
    for (const file of ["self", "1"]) {
      const text = await Deno.readTextFile(host.paths.proc(file, "mountinfo"));
      const entries = parseMountInfo(text);
      assert.equal(entries.length, 2);
      assert.equal(entries[0]?.majorMinor, "8:16");
      assert.deepEqual(entries[0]?.superOptions, ["rw", "prjquota"]);
      assert.equal(entries[1]?.root, "/vol");
      assert.equal(entries[1]?.mountOptions[0], "ro");
    }
    await host.mounter.unmount(staging);
    await host.mounter.unmount(staging);
    assert.equal((await host.mounter.mountInfo()).length, 1);
    assert.deepEqual(host.mountCalls.map((c) => c.kind), ["mount", "bind", "unmount"]);
  });
});

Deno.test("FakeHost refuses a mount onto a missing directory", async () => {
  await withHost(async (host) => {
    await assert.rejects(
      () => host.mounter.mount("/dev/x", host.paths.app("nowhere")),
      CommandError,
    );
  });
});

Deno.test("FakeHost without XFS quota fails prjquota mounts", async () => {
  await withHost(async (host) => {
    await host.setXfsQuotaSupport({ supported: false });
    const target = host.paths.app("m");
    await Deno.mkdir(target, { recursive: true });
    await assert.rejects(
      () => host.mounter.mount("/dev/x", target, { options: ["prjquota"] }),
      /wrong fs type/,
    );
    await host.mounter.mount("/dev/x", target, { options: ["noatime"] });
  });
});

Deno.test("FakeHost reports usage by the longest configured prefix", async () => {
  await withHost(async (host) => {
    host.setUsage("/a", { totalBytes: 10 });
    host.setUsage("/a/b", { totalBytes: 20 });
    assert.equal((await host.fs.usage("/a/x")).totalBytes, 10);
    assert.equal((await host.fs.usage("/a/b/c")).totalBytes, 20);
    assert.equal((await host.fs.usage("/ab")).totalBytes, 1024 ** 3);
  });
});

Deno.test("FakeHost records a bind mount's root with symlinks resolved", async () => {
  await withHost(async (host) => {
    const mnt = host.paths.app("mnt", "u");
    await Deno.mkdir(mnt, { recursive: true });
    await host.mounter.mount("/dev/x", mnt, { fsType: "xfs" });
    await Deno.mkdir(`${mnt}/pvc-1`);
    await Deno.symlink(".", `${mnt}/.FSUUID.u`);
    const staging = host.paths.app("staging");
    await Deno.mkdir(staging);
    await host.mounter.bindMount(`${mnt}/.FSUUID.u/pvc-1`, staging);
    const entry = (await host.mounter.mountInfo()).find((m) => m.mountPoint === staging);
    assert.equal(entry?.root, "/pvc-1");
  });
});
