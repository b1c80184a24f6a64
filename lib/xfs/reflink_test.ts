import assert from "node:assert/strict";
import { CommandError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { detectReflinkSupport } from "./reflink.ts";

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
