import assert from "node:assert/strict";
import { formatBytes, parseBytes } from "./mod.ts";

Deno.test("parseBytes() reads binary, decimal and plain quantities", async (t) => {
  const cases: Array<[string, number]> = [
    ["10Gi", 10 * 2 ** 30],
    ["512MiB", 512 * 2 ** 20],
    ["1.5GB", 1.5e9],
    ["1.5Gi", 1610612736],
    ["100", 100],
    ["64k", 64000],
    ["1e3", 1000],
    [" 2 TiB ", 2 * 2 ** 40],
  ];
  for (const [text, want] of cases) {
    await t.step(text, () => assert.equal(parseBytes(text), want));
  }
});

Deno.test("parseBytes() rejects text that is not a quantity", async (t) => {
  for (const text of ["", "Gi", "10 parsecs", "-1Gi", "1..5G", "99999999999999999999Ei"]) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseBytes(text), (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /^Invalid byte quantity "/);
        return true;
      });
    });
  }
});

Deno.test("formatBytes() prints IEC units like DirectPV's tables", async (t) => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [9, "9 B"],
    [100, "100 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [512 * 2 ** 20, "512 MiB"],
    [1.5 * 2 ** 30, "1.5 GiB"],
    [2 ** 30, "1.0 GiB"],
    [10 * 2 ** 30, "10 GiB"],
    [1610612736 + 60 * 2 ** 20, "1.6 GiB"],
  ];
  for (const [bytes, want] of cases) {
    await t.step(`${bytes}`, () => assert.equal(formatBytes(bytes), want));
  }
});
