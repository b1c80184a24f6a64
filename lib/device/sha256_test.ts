import assert from "node:assert/strict";
import { computeDeviceId, type Device, deviceIdLines } from "./device.ts";
import { sha256 } from "./sha256.ts";

Deno.test("sha256() matches WebCrypto across block boundaries", async (t) => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
    await t.step(`${length} bytes`, async () => {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      const want = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      assert.deepEqual(sha256(data), want);
    });
  }
});

Deno.test("computeDeviceId() hashes the sorted key:value lines", async () => {
  const d: Omit<Device, "id" | "deniedReasons"> = {
    name: "sdb",
    path: "/dev/sdb",
    majorMinor: "8:16",
    size: 1024,
    hidden: false,
    removable: false,
    readOnly: false,
    partitioned: false,
    isPartition: false,
    holders: ["dm-1", "dm-0"],
    mountPoints: [],
    swapOn: false,
    cdrom: false,
    fsType: "xfs",
    udev: {},
  };
  const lines = deviceIdLines("node1", d);
  assert.deepEqual([...lines].sort(), lines);
  assert.ok(lines.includes("holders:dm-0,dm-1"));
  assert.ok(lines.includes("fstype:xfs"));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")));
  const b64 = btoa(String.fromCharCode(...new Uint8Array(digest)));
  assert.equal(computeDeviceId("node1", d), `8:16$${b64}`);
});
