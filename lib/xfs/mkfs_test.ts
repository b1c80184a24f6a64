import assert from "node:assert/strict";
import { InvalidArgumentError, NotFoundError, UnsafeOperationError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { type DeviceState, formatDrive } from "./format.ts";
import { mkfs, mkfsArgs } from "./mkfs.ts";

const UUID = "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10";

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function withHost(fn: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await FakeHost.create();
  try {
    await host.addBlockDevice({ name: "sdb", majorMinor: "8:16" });
    const image = await fixture("xfs");
    host.onExec("mkfs.xfs", async () => {
      await host.writeDeviceImage("sdb", image);
      return {};
    });
    await fn(host);
  } finally {
    await host.dispose();
  }
}

Deno.test("mkfsArgs() builds DirectPV's mkfs.xfs command line, reflink explicit", async (t) => {
  await t.step("default: reflink on", () => {
    assert.deepEqual(mkfsArgs("/dev/sdb", { fsuuid: UUID, force: false }), [
      "-i",
      "maxpct=50",
      "-m",
      `uuid=${UUID}`,
      "-m",
      "reflink=1",
      "-L",
      "DIRECTPV",
      "/dev/sdb",
    ]);
  });
  await t.step("force and no reflink", () => {
    assert.deepEqual(mkfsArgs("/dev/sdb", { fsuuid: UUID, force: true, reflink: false }), [
      "-i",
      "maxpct=50",
      "-m",
      `uuid=${UUID}`,
      "-m",
      "reflink=0",
      "-f",
      "-L",
      "DIRECTPV",
      "/dev/sdb",
    ]);
  });
});

Deno.test("mkfs() runs mkfs.xfs and returns the new superblock", async () => {
  await withHost(async (host) => {
    const sb = await mkfs(host, host.paths.dev("sdb"), { fsuuid: UUID, force: false });
    assert.equal(sb.uuid, UUID);
    assert.equal(host.execCalls[0]?.args.at(-1), host.paths.dev("sdb"));
    await assert.rejects(
      () => mkfs(host, host.paths.dev("sdb"), { fsuuid: "NOT-A-UUID", force: false }),
      InvalidArgumentError,
    );
  });
});

function state(overrides: Partial<DeviceState> = {}): DeviceState {
  return {
    name: "sdb",
    id: "8:16$abc",
    mountPoints: [],
    holders: [],
    swapOn: false,
    partitioned: false,
    holds: undefined,
    ...overrides,
  };
}

Deno.test("formatDrive() refuses unsafe devices and leaves them untouched", async (t) => {
  const cases: [string, Partial<DeviceState>, string][] = [
    ["changed", { id: "8:16$other" }, "device state changed"],
    ["mounted", { mountPoints: ["/data"] }, 'it is mounted at "/data"'],
    ["held", { holders: ["dm-0"] }, 'it is held by "dm-0"'],
    ["swap", { swapOn: true }, "it is used as swap"],
    ["partitioned", { partitioned: true }, "it has partitions"],
    ["read-only", { readOnly: true }, "it is read-only"],
    [
      "changed into something",
      { id: "8:16$other", holds: '"ntfs" (UUID "0A1B")' },
      'device state changed; it now holds "ntfs" (UUID "0A1B")',
    ],
  ];
  for (const [name, overrides, reason] of cases) {
    await t.step(name, async () => {
      await withHost(async (host) => {
        const err = await formatDrive(host, {
          device: "sdb",
          expectedId: "8:16$abc",
          force: true,
          probe: () => Promise.resolve(state(overrides)),
        }).catch((e) => e);
        assert.ok(err instanceof UnsafeOperationError, String(err));
        assert.equal(err.message, `Cannot format device "/dev/sdb": ${reason}`);
        assert.equal(host.execCalls.length, 0);
      });
    });
  }
});

Deno.test("formatDrive() reports a vanished device", async () => {
  await withHost(async (host) => {
    await assert.rejects(
      () =>
        formatDrive(host, {
          device: "sdb",
          expectedId: "x",
          force: false,
          probe: () => Promise.resolve(undefined),
        }),
      NotFoundError,
    );
  });
});

Deno.test("formatDrive() refuses a device holding anything unless forced", async (t) => {
  const holdings = [
    '"ext4" (UUID "3d0f5a3e-9b2c-4c1e-8f6a-1b2c3d4e5f60")',
    'a "gpt" partition table',
    "unrecognised data (no known signature, and the first or last MiB is not all zero)",
  ];
  for (const holds of holdings) {
    await t.step(holds, async () => {
      await withHost(async (host) => {
        const err = await formatDrive(host, {
          device: "sdb",
          expectedId: "8:16$abc",
          force: false,
          probe: () => Promise.resolve(state({ holds })),
        }).catch((e) => e);
        assert.ok(err instanceof UnsafeOperationError, String(err));
        assert.equal(
          err.message,
          `Cannot format device "/dev/sdb": it holds ${holds}, and it is not forced`,
        );
        assert.equal(host.execCalls.length, 0, "mkfs.xfs never ran");
      });
    });
  }
});

Deno.test("formatDrive() formats a forced device with -f", async () => {
  await withHost(async (host) => {
    const out = await formatDrive(host, {
      device: "sdb",
      expectedId: "8:16$abc",
      force: true,
      fsuuid: UUID,
      reflink: false,
      probe: () => Promise.resolve(state({ holds: 'a "gpt" partition table' })),
    });
    assert.equal(out.fsuuid, UUID);
    assert.equal(out.superblock.label, "DIRECTPV");
    const args = host.execCalls[0]?.args ?? [];
    assert.ok(args.includes("-f"));
    assert.ok(args.includes("reflink=0"));
  });
});

Deno.test("formatDrive() makes a fresh random FSUUID by default", async () => {
  await withHost(async (host) => {
    const out = await formatDrive(host, {
      device: "sdb",
      expectedId: "8:16$abc",
      force: false,
      probe: () => Promise.resolve(state()),
    });
    assert.match(
      out.fsuuid,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.ok(host.execCalls[0]?.args.includes(`uuid=${out.fsuuid}`));
    assert.ok(!host.execCalls[0]?.args.includes("-f"));
  });
});
