import assert from "node:assert/strict";
import { parseSmartctl, smartctlArgs } from "./smart.ts";

/** smartctl 7.3 `--json=c` output, trimmed to the members the parser reads plus some noise. */
function output(body: Record<string, unknown>, exitStatus = 0, messages: string[] = []) {
  return JSON.stringify({
    json_format_version: [1, 0],
    smartctl: {
      version: [7, 3],
      exit_status: exitStatus,
      ...(messages.length ? { messages: messages.map((string) => ({ string })) } : {}),
    },
    device: { name: "/dev/sdb", type: "sat", protocol: "ATA" },
    ...body,
  });
}

const ATTRIBUTES = {
  table: [
    {
      id: 5,
      name: "Reallocated_Sector_Ct",
      value: 100,
      worst: 100,
      thresh: 10,
      flags: { prefailure: true },
      raw: { value: 0 },
    },
    {
      id: 194,
      name: "Temperature_Celsius",
      value: 30,
      worst: 20,
      thresh: 0,
      flags: { prefailure: false },
    },
  ],
};

Deno.test("smartctlArgs() asks for health and attributes as JSON without waking the disk", () => {
  assert.deepEqual(smartctlArgs("/dev/sdb"), [
    "--health",
    "--attributes",
    "--json=c",
    "--nocheck=standby",
    "/dev/sdb",
  ]);
});

Deno.test("parseSmartctl() passes a disk whose self-assessment passed", () => {
  const text = output({ smart_status: { passed: true }, ata_smart_attributes: ATTRIBUTES });
  assert.deepEqual(parseSmartctl(text, 0), { kind: "passed" });
});

Deno.test("parseSmartctl() reports a failed self-assessment", () => {
  const text = output({ smart_status: { passed: false } }, 8);
  assert.deepEqual(parseSmartctl(text, 8), {
    kind: "failing",
    reason: "SMART overall-health self-assessment failed",
  });
});

Deno.test("parseSmartctl() names prefailure attributes at their threshold", () => {
  const table = ATTRIBUTES.table.map((a) => a.id === 5 ? { ...a, value: 9 } : a);
  const text = output({ smart_status: { passed: true }, ata_smart_attributes: { table } }, 16);
  assert.deepEqual(parseSmartctl(text, 16), {
    kind: "failing",
    reason: "prefailure attributes at or below threshold: Reallocated_Sector_Ct",
  });
});

Deno.test("parseSmartctl() decodes NVMe critical warnings", () => {
  const text = output({
    smart_status: { passed: false },
    nvme_smart_health_information_log: { critical_warning: 0b1100, media_errors: 3 },
  }, 8);
  assert.deepEqual(parseSmartctl(text, 8), {
    kind: "failing",
    reason: "SMART overall-health self-assessment failed; NVMe critical warning: " +
      "reliability degraded, media in read-only mode",
  });
});

Deno.test("parseSmartctl() has no verdict for devices without SMART or asleep", async (t) => {
  await t.step("a loop device (exit 1)", () => {
    const text = output({}, 1, ["/dev/loop0: Unable to detect device type"]);
    assert.deepEqual(parseSmartctl(text, 1), {
      kind: "unavailable",
      reason: "/dev/loop0: Unable to detect device type",
    });
  });
  await t.step("a disk in standby (exit 2)", () => {
    const text = output({}, 2, ["Device is in STANDBY mode, exit(2)"]);
    assert.equal(parseSmartctl(text, 2).kind, "unavailable");
  });
  await t.step("SMART disabled (no smart_status)", () => {
    const text = output({}, 4, ["SMART Disabled. Use option -s with argument 'on' to enable it."]);
    assert.deepEqual(parseSmartctl(text, 4), {
      kind: "unavailable",
      reason: "SMART Disabled. Use option -s with argument 'on' to enable it.",
    });
  });
  await t.step("output that is not JSON", () => {
    assert.deepEqual(parseSmartctl("smartctl: unrecognized option", 0), {
      kind: "unavailable",
      reason: "smartctl exited with 0",
    });
  });
});
