import assert from "node:assert/strict";
import { CommandError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import {
  getProjectQuota,
  limitArgs,
  parseQuotaOutput,
  projectArgs,
  projectId,
  setProjectQuota,
} from "./quota.ts";

async function sha256le(name: string): Promise<number> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  return ((d[0] ?? 0) | (d[1] ?? 0) << 8 | (d[2] ?? 0) << 16 | (d[3] ?? 0) << 24) >>> 0;
}

Deno.test("projectId() is the first 4 bytes of SHA-256 as little-endian uint32", async (t) => {
  for (const name of ["pvc-1", "pvc-0a5b2c8d-1e4f-4a6b-8c7d-9e0f1a2b3c4d", ""]) {
    await t.step(
      name || "(empty)",
      async () => assert.equal(await projectId(name), await sha256le(name)),
    );
  }
  // SHA-256("abc") starts with ba 78 16 bf.
  assert.equal(await projectId("abc"), 0xbf1678ba);
});

Deno.test("projectArgs() and limitArgs() build xfs_quota commands", () => {
  assert.deepEqual(projectArgs("/m", "/m/v", 7), ["-x", "-c", "project -s -d 0 -p /m/v 7", "/m"]);
  assert.deepEqual(projectArgs("/m", "/m/v", 7, { recursive: true }), [
    "-x",
    "-c",
    "project -s -p /m/v 7",
    "/m",
  ]);
  assert.deepEqual(limitArgs("/m", 7, 1000), [
    "-x",
    "-c",
    "limit -p bsoft=1024 bhard=1024 7",
    "/m",
  ]);
  assert.deepEqual(limitArgs("/m", 7, 0), ["-x", "-c", "limit -p bsoft=0 bhard=0 7", "/m"]);
});

Deno.test("setProjectQuota() tags the directory then sets the limits", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("xfs_quota");
    const id = await setProjectQuota(host, {
      mountPoint: "/m",
      volumeDir: "/m/v",
      volumeName: "abc",
      size: 1 << 20,
    });
    assert.equal(id, 0xbf1678ba);
    assert.deepEqual(host.execCalls.map((c) => c.args[2]), [
      `project -s -d 0 -p /m/v ${id}`,
      `limit -p bsoft=1048576 bhard=1048576 ${id}`,
    ]);
    host.onExec(/limit/, {
      code: 1,
      stderr: "xfs_quota: cannot set limits: Function not implemented",
    });
    await assert.rejects(
      () =>
        setProjectQuota(host, { mountPoint: "/m", volumeDir: "/m/v", volumeName: "a", size: 1 }),
      CommandError,
    );
  } finally {
    await host.dispose();
  }
});

Deno.test("parseQuotaOutput() reads used, soft and hard KiB", async (t) => {
  await t.step("one line", () => {
    const out = parseQuotaOutput("/dev/loop0    4   1024   1024   00 [--------] /mnt/x\n", 9);
    assert.deepEqual(out, {
      projectId: 9,
      usedBytes: 4096,
      softLimitBytes: 1048576,
      hardLimitBytes: 1048576,
    });
  });
  await t.step("long device name wrapped onto its own line", () => {
    const out = parseQuotaOutput(
      "/dev/mapper/very-long-volume-name\n   8  0  2048  00 [------] /m\n",
      1,
    );
    assert.equal(out?.usedBytes, 8192);
    assert.equal(out?.hardLimitBytes, 2048 * 1024);
  });
  await t.step("nothing reported", () => assert.equal(parseQuotaOutput("", 1), undefined));
});

Deno.test("getProjectQuota() queries the project of the volume", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("xfs_quota", { stdout: "/dev/sdb 0 100 100 00 [------] /m\n" });
    const q = await getProjectQuota(host, "/m", "abc");
    assert.equal(q?.hardLimitBytes, 102400);
    assert.equal(host.execCalls[0]?.args[2], `quota -p -N -n -b -v ${0xbf1678ba}`);
  } finally {
    await host.dispose();
  }
});
