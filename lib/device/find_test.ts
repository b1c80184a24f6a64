import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import { findByFsuuid } from "./find.ts";

const UUID = "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10";

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function withHost(fn: (host: FakeHost, xfs: Uint8Array) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    await fn(host, await fixture("xfs"));
  } finally {
    await host.dispose();
  }
}

Deno.test("findByFsuuid() finds none, one or many devices", async () => {
  await withHost(async (host, xfs) => {
    assert.deepEqual(await findByFsuuid(host, UUID), { kind: "none" });
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", image: xfs });
    const one = await findByFsuuid(host, UUID.toUpperCase());
    assert.equal(one.kind, "one");
    assert.equal(one.kind === "one" && one.device.name, "sdb");
    await host.addBlockDevice({ name: "sdc", majorMinor: "8:32", image: xfs });
    const many = await findByFsuuid(host, UUID);
    assert.equal(many.kind, "many");
    assert.deepEqual(many.kind === "many" && many.devices.map((d) => d.name), ["sdb", "sdc"]);
  });
});

Deno.test("findByFsuuid() skips devices that cannot hold a drive", async (t) => {
  const cases: [string, Parameters<FakeHost["addBlockDevice"]>[0]][] = [
    ["hidden", { name: "sdb", majorMinor: "8:16", hidden: true }],
    ["held", { name: "sdb", majorMinor: "8:16", holders: ["dm-0"] }],
    ["zero size", { name: "sdb", majorMinor: "8:16", size: 0 }],
    ["partitioned", {
      name: "sdb",
      majorMinor: "8:16",
      partitions: [{ name: "sdb1", majorMinor: "8:17" }],
    }],
  ];
  for (const [name, spec] of cases) {
    await t.step(name, async () => {
      await withHost(async (host, xfs) => {
        await host.addBlockDevice({ ...spec, image: xfs });
        assert.deepEqual(await findByFsuuid(host, UUID), { kind: "none" });
      });
    });
  }
  await t.step("swap and cdrom", async () => {
    await withHost(async (host, xfs) => {
      await host.addBlockDevice({ name: "sdb", majorMinor: "8:16", image: xfs });
      await host.addBlockDevice({ name: "sr0", majorMinor: "11:0", image: xfs });
      await host.setSwaps(["sdb"]);
      await host.setCdroms(["sr0"]);
      assert.deepEqual(await findByFsuuid(host, UUID), { kind: "none" });
    });
  });
});

Deno.test("findByFsuuid() considers loop devices only when allowed", async () => {
  await withHost(async (host, xfs) => {
    await host.addBlockDevice({ name: "loop4", majorMinor: "7:4", image: xfs });
    assert.equal((await findByFsuuid(host, UUID)).kind, "none");
    assert.equal((await findByFsuuid(host, UUID, { allowLoop: true })).kind, "one");
  });
});
