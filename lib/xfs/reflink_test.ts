import assert from "node:assert/strict";
import { AlreadyExistsError, CommandError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { detectReflinkSupport, REFLINK_COPY_ARGS, reflinkCopyTree } from "./reflink.ts";

Deno.test("detectReflinkSupport() is true when a reflink image mounts", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("mkfs.xfs");
    const dir = host.paths.app("tmp-reflink");
    assert.ok(await detectReflinkSupport(host, { dir }));
    assert.deepEqual(host.execCalls[0]?.args.slice(0, 3), ["-f", "-m", "reflink=1"]);
    assert.deepEqual(host.mountCalls.map((c) => c.kind), ["mount", "unmount"]);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await host.dispose();
  }
});

Deno.test("detectReflinkSupport() is false when the mount fails", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("mkfs.xfs");
    host.onMount(() => {
      throw new CommandError({ command: "mount", args: [], code: 32, stderr: "bad option" });
    });
    assert.ok(!await detectReflinkSupport(host, { dir: host.paths.app("r") }));
  } finally {
    await host.dispose();
  }
});

Deno.test("reflinkCopyTree() copies by reflink only, into a .partial renamed into place", async () => {
  const host = await FakeHost.create();
  try {
    const src = host.paths.app("mnt", "u", "pvc-src");
    const dst = host.paths.app("mnt", "u", "snap");
    await host.fs.mkdir(src, { recursive: true });
    host.onExec("rm", {});
    host.onExec("cp", async (call) => {
      await host.fs.mkdir(call.args[call.args.length - 1] ?? "", { recursive: true });
      return {};
    });
    await reflinkCopyTree(host, src, dst, { mode: 0o555 });
    const cp = host.execCalls.find((c) => c.command === "cp");
    assert.deepEqual(cp?.args, [...REFLINK_COPY_ARGS, src, `${dst}.partial`]);
    assert.ok(REFLINK_COPY_ARGS.includes("--reflink=always"), "never a silent byte copy");
    assert.ok((await host.fs.stat(dst))?.isDirectory);
    assert.equal(await host.fs.stat(`${dst}.partial`), undefined);
    assert.equal(((await Deno.stat(dst)).mode ?? 0) & 0o777, 0o555);
    await assert.rejects(reflinkCopyTree(host, src, dst), AlreadyExistsError);
  } finally {
    await host.dispose();
  }
});

Deno.test("reflinkCopyTree() of a source never staged gives an empty directory", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("rm", {});
    const dst = host.paths.app("mnt", "u", "pvc-clone");
    await host.fs.mkdir(host.paths.app("mnt", "u"), { recursive: true });
    await reflinkCopyTree(host, host.paths.app("mnt", "u", "pvc-none"), dst);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dst)), []);
    assert.ok(!host.execCalls.some((c) => c.command === "cp"));
  } finally {
    await host.dispose();
  }
});
