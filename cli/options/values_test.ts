import assert from "node:assert/strict";
import { UsageError } from "../exit_codes.ts";
import { parseListOutput, parseManifestOutput } from "./output.ts";
import {
  collect,
  parseDriveIds,
  parseDriveNames,
  parseDriveStatuses,
  parseDuration,
  parseLabelSelectors,
  parseNodes,
  parsePodNames,
  parsePodNamespaces,
  parseVolumeStatuses,
} from "./values.ts";

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e) => e instanceof UsageError && message.test(e.message));
}

Deno.test("collect() accepts repeated and comma-separated values", () => {
  assert.deepEqual(collect("c", collect("a,b")), ["a", "b", "c"]);
});

Deno.test("parseNodes() trims and expands ellipses", () => {
  assert.deepEqual(parseNodes([" node{1...3} ", "node2"]), ["node1", "node2", "node3"]);
});

Deno.test("parseNodes() rejects an empty node name", () =>
  rejects(() => parseNodes(["a", " "]), /^Empty node name$/));

Deno.test("parseNodes() rejects a bad ellipsis", () =>
  rejects(() => parseNodes(["node{1..3}"]), /node\{1\.\.3\}/));

Deno.test("parseNodes() rejects a nested ellipsis", () =>
  rejects(() => parseNodes(["n{1...{2...3}}"]), /nested/i));

Deno.test("parseDriveNames() strips /dev/ and expands", () => {
  assert.deepEqual(parseDriveNames(["/dev/sd{a...c}", "nvme0n1"]), [
    "sda",
    "sdb",
    "sdc",
    "nvme0n1",
  ]);
});

Deno.test("parseDriveNames() rejects an empty drive name", () =>
  rejects(() => parseDriveNames(["/dev/"]), /^Empty drive name$/));

Deno.test("parsePodNames() and parsePodNamespaces() reject empty values", () => {
  rejects(() => parsePodNames([""]), /^Empty pod name$/);
  rejects(() => parsePodNamespaces([""]), /^Empty pod namespace$/);
});

Deno.test("parseDriveIds() accepts lowercase UUIDs only", async (t) => {
  assert.deepEqual(parseDriveIds(["aaaaaaaa-0000-4000-8000-000000000001"]), [
    "aaaaaaaa-0000-4000-8000-000000000001",
  ]);
  await t.step(
    "uppercase",
    () =>
      rejects(
        () => parseDriveIds(["AAAAAAAA-0000-4000-8000-000000000001"]),
        /^Invalid drive ID "AAAAAAAA/,
      ),
  );
  await t.step(
    "not a UUID",
    () => rejects(() => parseDriveIds(["sdb"]), /^Invalid drive ID "sdb"$/),
  );
  await t.step("empty", () => rejects(() => parseDriveIds([""]), /^Empty drive ID$/));
});

Deno.test("parseDriveStatuses() is case-insensitive and refuses repairing", async (t) => {
  assert.deepEqual(parseDriveStatuses(["READY", "lost"]), ["Ready", "Lost"]);
  await t.step(
    "repairing",
    () => rejects(() => parseDriveStatuses(["repairing"]), /^Unknown drive status "repairing"/),
  );
  await t.step(
    "unknown",
    () => rejects(() => parseDriveStatuses(["broken"]), /error\|lost\|moving\|ready\|removed/),
  );
});

Deno.test("parseVolumeStatuses() accepts pending and ready", () => {
  assert.deepEqual(parseVolumeStatuses(["Pending", "ready"]), ["Pending", "Ready"]);
  rejects(
    () => parseVolumeStatuses(["bound"]),
    /^Unknown volume status "bound"; valid values are pending\|ready$/,
  );
});

Deno.test("parseLabelSelectors() prefixes keys and validates them", async (t) => {
  assert.deepEqual(parseLabelSelectors(["tier=hot"]), { "directpv.min.io/tier": "hot" });
  await t.step("no =", () => rejects(() => parseLabelSelectors(["tier"]), /^Invalid label "tier"/));
  await t.step(
    "bad key",
    () => rejects(() => parseLabelSelectors(["a b=c"]), /^Invalid label key "a b"/),
  );
  await t.step(
    "bad value",
    () => rejects(() => parseLabelSelectors(["a=b c"]), /^Invalid label value "b c"/),
  );
});

Deno.test("parseDuration() reads Go durations", async (t) => {
  assert.equal(parseDuration("2m0s"), 120_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("500ms"), 500);
  await t.step("garbage", () => rejects(() => parseDuration("soon"), /^Invalid duration "soon"/));
  await t.step("zero", () => rejects(() => parseDuration("0s"), /must be positive/));
});

Deno.test("parseListOutput() accepts wide, json and yaml", async (t) => {
  assert.equal(parseListOutput(undefined, { wide: true }), "table");
  assert.equal(parseListOutput("json", { wide: false }), "json");
  await t.step(
    "bad format",
    () =>
      rejects(
        () => parseListOutput("xml", { wide: true }),
        /must be one of wide\|json\|yaml or empty/,
      ),
  );
  await t.step(
    "wide unsupported",
    () =>
      rejects(
        () => parseListOutput("wide", { wide: false }),
        /wide option is not supported by this command/,
      ),
  );
});

Deno.test("parseManifestOutput() accepts yaml and json", () => {
  assert.equal(parseManifestOutput("yaml"), "yaml");
  assert.equal(parseManifestOutput(undefined), undefined);
  rejects(() => parseManifestOutput("wide"), /must be one of yaml\|json/);
});
