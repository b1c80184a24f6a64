import assert from "node:assert/strict";
import { computeDeviceId, type Device, deviceIdLines } from "./device.ts";

type Probed = Omit<Device, "id" | "deniedReasons">;

const DISK: Probed = {
  name: "sdb",
  path: "/dev/sdb",
  majorMinor: "8:16",
  size: 2 ** 30,
  hidden: false,
  removable: false,
  readOnly: false,
  partitioned: false,
  isPartition: false,
  holders: [],
  mountPoints: [],
  swapOn: false,
  cdrom: false,
  udev: {},
};

Deno.test("computeDeviceId() is maj:min plus base64 SHA-256 of the id lines", async () => {
  const lines = deviceIdLines("node-1", DISK).join("\n");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines)),
  );
  const want = `8:16$${btoa(String.fromCharCode(...digest))}`;
  assert.equal(computeDeviceId("node-1", DISK), want);
});

Deno.test("computeDeviceId() changes when the device changes", async (t) => {
  const base = computeDeviceId("node-1", DISK);
  const changes: Array<[string, Partial<Probed>]> = [
    ["size", { size: 2 ** 31 }],
    ["mounted", { mountPoints: ["/mnt"] }],
    ["held", { holders: ["dm-0"] }],
    ["formatted", { fsType: "xfs", fsUuid: "0f4c2b1a-0000-4000-8000-000000000001" }],
  ];
  for (const [name, change] of changes) {
    await t.step(
      name,
      () => assert.notEqual(computeDeviceId("node-1", { ...DISK, ...change }), base),
    );
  }
  await t.step("another node", () => assert.notEqual(computeDeviceId("node-2", DISK), base));
});
