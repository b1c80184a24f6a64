/**
 * Real loop devices written with every format in `formats.ts`: each is identified as
 * `blkid -p` identifies it, and the check right before mkfs refuses all but the empty ones
 * unless forced, leaving them byte for byte as they were. Run as root:
 * `deno test -A harness/privileged`.
 */
import assert from "node:assert/strict";
import { describeDevice, type Device, probeDevices } from "../../lib/device/mod.ts";
import { UnsafeOperationError } from "../../lib/errors/mod.ts";
import { createRealHost, type Host } from "../../lib/sys/mod.ts";
import { NOT_FORCED, UNRECOGNISED_DATA } from "../../lib/types/mod.ts";
import { type DeviceState, formatDrive } from "../../lib/xfs/mod.ts";
import { isCI } from "../lib/mod.ts";
import { baseName, LoopLab, privilegedTest, sh } from "./_lab.ts";
import { type ContentFormat, FORMATS, writeAt } from "./formats.ts";
import { blkidProbe, commandsMissing, formatChecksum } from "./content_lab.ts";

const GIB = 1024 ** 3;

interface Written {
  format: ContentFormat;
  device: string;
  name: string;
}

function state(d: Device): DeviceState {
  return { ...d, holds: describeDevice(d) };
}

async function probeNames(host: Host, names: string[]): Promise<Map<string, Device>> {
  const devices = await probeDevices(host, {
    nodeId: "privileged",
    allowLoop: true,
    only: { names },
  });
  return new Map(devices.map((d) => [d.name, d]));
}

/** The formats whose commands are here; under CI a missing one fails the test. */
async function runnableFormats(): Promise<ContentFormat[]> {
  const missing = await commandsMissing(FORMATS);
  if (missing.size > 0 && isCI()) {
    throw new Error(`Missing commands under CI=true: ${[...missing.keys()].join(", ")}`);
  }
  for (const [command, formats] of missing) {
    console.log(
      `Skipping ${formats.join(", ")}: "${command}" not found (tools/test.sh installs it)`,
    );
  }
  const skipped = new Set([...missing.values()].flat());
  return FORMATS.filter((f) => !skipped.has(f.name));
}

async function writeAll(lab: LoopLab, formats: ContentFormat[]): Promise<Written[]> {
  const scratch = await lab.mkdir("scratch");
  const out: Written[] = [];
  for (const format of formats) {
    const device = await lab.attach(await lab.image(format.name, GIB));
    await format.write(device, scratch);
    out.push({ format, device, name: baseName(device) });
  }
  return out;
}

function checkIdentity(
  d: Device,
  w: Written,
  blkid: Record<string, string> | "ambivalent" | undefined,
) {
  const expect = w.format.expect;
  if ("unknown" in expect) {
    assert.equal(d.fsType, undefined);
    if (expect.unknown === "ambivalent") {
      assert.equal(blkid, "ambivalent", "blkid -p finds it ambivalent");
      assert.match(d.unknownData ?? "", /^several signatures \(/);
    } else {
      assert.equal(blkid, undefined, "blkid -p finds nothing");
      assert.equal(d.unknownData, UNRECOGNISED_DATA);
    }
    return;
  }
  if ("empty" in expect) {
    assert.equal(blkid, undefined);
    assert.equal(describeDevice(d), undefined);
    return;
  }
  assert.ok(blkid && blkid !== "ambivalent", `blkid -p identifies ${w.device}`);
  assert.equal(d.fsType, blkid.TYPE, "TYPE as blkid -p reports it");
  assert.equal(d.partTableType, blkid.PTTYPE, "PTTYPE as blkid -p reports it");
  if (blkid.UUID) assert.equal(d.fsUuid, blkid.UUID);
  if ("type" in expect) assert.equal(d.fsType, expect.type);
  if (expect.pttype) assert.equal(d.partTableType, expect.pttype);
  assert.equal(d.unknownData, undefined);
}

privilegedTest(
  "Devices of every format are identified as blkid does, and refused unless forced",
  async (t) => {
    const formats = await runnableFormats();
    await using lab = await LoopLab.create();
    const host = createRealHost({ appDir: `${lab.dir}/app` });
    const written = await writeAll(lab, formats);
    const names = written.map((w) => w.name);

    const started = performance.now();
    const probed = await probeNames(host, names);
    const probeMs = performance.now() - started;
    const scanStarted = performance.now();
    await probeDevices(host, { nodeId: "p", allowLoop: true, only: { names }, content: "fsuuid" });
    console.log(
      `probeDevices() of ${names.length} written loop devices: identify ${
        probeMs.toFixed(1)
      } ms, ` +
        `fsuuid ${(performance.now() - scanStarted).toFixed(1)} ms`,
    );

    for (const w of written) {
      await t.step(`${w.format.name} is identified as blkid -p identifies it`, async () => {
        const d = probed.get(w.name);
        assert.ok(d, `${w.name} probed`);
        checkIdentity(d, w, await blkidProbe(w.device));
      });
    }

    const before = new Map<string, string>();
    for (const w of written) before.set(w.name, await formatChecksum(w.device));
    for (const w of written) {
      const d = probed.get(w.name) as Device;
      const empty = "empty" in w.format.expect;
      await t.step(
        `${w.format.name}: ${empty ? "formatted" : "refused"} when not forced`,
        async () => {
          const attempt = formatDrive(host, {
            device: w.name,
            expectedId: d.id,
            force: false,
            probe: async (name) => {
              const again = (await probeNames(host, [name])).get(name);
              return again ? state(again) : undefined;
            },
          });
          if (empty) {
            assert.equal((await attempt).superblock.label, "DIRECTPV");
            return;
          }
          const err = await attempt.catch((e) => e);
          assert.ok(err instanceof UnsafeOperationError, String(err));
          assert.equal(
            err.message,
            `Cannot format device "/dev/${w.name}": it holds ${describeDevice(d)}, ${NOT_FORCED}`,
          );
          assert.equal(await formatChecksum(w.device), before.get(w.name), "not a byte changed");
        },
      );
    }

    await t.step("every refused device is formatted when forced", async () => {
      for (const w of written.filter((x) => !("empty" in x.format.expect))) {
        const d = (await probeNames(host, [w.name])).get(w.name) as Device;
        const out = await formatDrive(host, {
          device: w.name,
          expectedId: d.id,
          force: true,
          probe: async (name) => state((await probeNames(host, [name])).get(name) as Device),
        });
        assert.equal(
          (await sh("blkid", "-p", "-o", "value", "-s", "UUID", w.device)).trim(),
          out.fsuuid,
        );
      }
    });
  },
);

privilegedTest(
  "A device written to after discovery is not formatted, even when forced",
  async () => {
    await using lab = await LoopLab.create();
    const host = createRealHost({ appDir: `${lab.dir}/app` });
    const device = await lab.attach(await lab.image("late", GIB));
    const name = baseName(device);
    const seen = (await probeNames(host, [name])).get(name);
    assert.ok(seen);
    assert.equal(describeDevice(seen), undefined, "empty at discovery");
    await writeAt(device, 0, crypto.getRandomValues(new Uint8Array(4096)));
    const sum = await formatChecksum(device);
    const err = await formatDrive(host, {
      device: name,
      expectedId: seen.id,
      force: true,
      probe: async (n) => state((await probeNames(host, [n])).get(n) as Device),
    }).catch((e) => e);
    assert.ok(err instanceof UnsafeOperationError, String(err));
    assert.equal(
      err.message,
      `Cannot format device "/dev/${name}": device state changed; it now holds ${UNRECOGNISED_DATA}`,
    );
    assert.equal(await formatChecksum(device), sum);
  },
);
