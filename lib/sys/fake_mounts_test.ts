import assert from "node:assert/strict";
import { CommandError } from "../errors/mod.ts";
import { FakeHost } from "./testing.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

Deno.test("a FakeHost mount hides what was under the mount point until the unmount", async () => {
  await using host = await FakeHost.create();
  await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", size: 1 << 30 });
  const mnt = host.paths.app("mnt", "d");
  await Deno.mkdir(mnt, { recursive: true });
  await Deno.writeTextFile(`${mnt}/left-behind`, "under the mount");
  await host.mounter.mount(host.paths.dev("sdb"), mnt, { fsType: "xfs" });
  assert.deepEqual(await names(mnt), [], "a fresh filesystem shows nothing");
  await Deno.writeTextFile(`${mnt}/on-drive`, "on the drive");
  await host.mounter.unmount(mnt);
  assert.deepEqual(await names(mnt), ["left-behind"]);
  await host.mounter.mount(host.paths.dev("sdb"), mnt, { fsType: "xfs" });
  assert.deepEqual(await names(mnt), ["on-drive"], "the drive's files come back with it");
  await host.mounter.unmount(mnt);
});

Deno.test("a FakeHost device's files show wherever it is mounted", async () => {
  await using host = await FakeHost.create();
  await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", size: 1 << 30 });
  await Deno.writeTextFile(`${await host.deviceFiles("8:32")}/marker`, "x");
  const elsewhere = host.paths.app("other");
  await Deno.mkdir(elsewhere, { recursive: true });
  await host.mounter.mount(host.paths.dev("sdc"), elsewhere, { fsType: "xfs" });
  assert.equal(await Deno.readTextFile(`${elsewhere}/marker`), "x");
  await host.mounter.unmount(elsewhere);
});

Deno.test("a FakeHost bind mount over a file hides it, and one of a missing source fails", async () => {
  await using host = await FakeHost.create();
  const source = host.paths.app("src");
  const target = host.paths.app("target-file");
  await Deno.mkdir(source, { recursive: true });
  await Deno.writeTextFile(target, "before");
  await host.mounter.bindMount(source, target);
  assert.equal(await Deno.readTextFile(target), "");
  await host.mounter.unmount(target);
  assert.equal(await Deno.readTextFile(target), "before");
  await assert.rejects(
    host.mounter.bindMount(host.paths.app("missing"), target),
    (err: unknown) => err instanceof CommandError && /does not exist/.test(err.message),
  );
  assert.ok(!host.mounts.some((m) => m.mountPoint === target), "nothing is mounted there");
});
