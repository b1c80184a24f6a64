// Unit tests of the kind configuration: no Docker, no commands, no network.
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  KIND_API_VERSION,
  type KindConfig,
  kindConfig,
  LOOP_DRIVES_LABEL,
  MAX_WORKERS,
  renderKindConfig,
} from "./config.ts";

const IMAGE = "kindest/node:v1.36.1@sha256:" + "ab".repeat(32);

Deno.test("renderKindConfig() writes one control plane and N workers on the pinned image", async (t) => {
  for (const workers of [1, 2, 3]) {
    await t.step(`${workers} worker(s)`, () => {
      const doc = parse(
        renderKindConfig({ name: "directpv", workers, image: IMAGE }),
      ) as KindConfig;
      assert.equal(doc.kind, "Cluster");
      assert.equal(doc.apiVersion, KIND_API_VERSION);
      assert.equal(doc.name, "directpv");
      assert.equal(doc.nodes.length, workers + 1);
      assert.deepEqual(doc.nodes.map((n) => n.role), [
        "control-plane",
        ...Array<string>(workers).fill("worker"),
      ]);
      assert.ok(doc.nodes.every((n) => n.image === IMAGE));
    });
  }
});

Deno.test("kindConfig() gives every worker the host's /dev and the loop-drives label", () => {
  const config = kindConfig({ name: "directpv", workers: 2, image: IMAGE });
  const [controlPlane, ...workers] = config.nodes;
  assert.equal(controlPlane?.extraMounts, undefined);
  assert.equal(controlPlane?.labels, undefined);
  for (const node of workers) {
    assert.deepEqual(node.extraMounts, [
      { hostPath: "/dev", containerPath: "/dev", propagation: "HostToContainer" },
    ]);
    assert.deepEqual(node.labels, { [LOOP_DRIVES_LABEL]: "true" });
  }
});

Deno.test("kindConfig() shares no host directory but /dev between workers", () => {
  const config = kindConfig({ name: "directpv", workers: 3, image: IMAGE });
  const hostPaths = config.nodes.flatMap((n) => (n.extraMounts ?? []).map((m) => m.hostPath));
  assert.deepEqual([...new Set(hostPaths)], ["/dev"]);
});

Deno.test("renderKindConfig() starts with a header comment and is stable", () => {
  const options = { name: "dpv-test", workers: 2, image: IMAGE };
  const text = renderKindConfig(options);
  assert.match(text, /^# kind cluster for DirectPV/);
  assert.equal(renderKindConfig(options), text);
  assert.match(text, /containerPath: \/dev\n/);
});

Deno.test("kindConfig() rejects bad options", async (t) => {
  const cases: [string, { name: string; workers: number; image: string }, RegExp][] = [
    ["no workers", { name: "directpv", workers: 0, image: IMAGE }, /need a whole number >= 1/],
    ["fractional workers", { name: "directpv", workers: 1.5, image: IMAGE }, /whole number/],
    ["not a number", { name: "directpv", workers: NaN, image: IMAGE }, /whole number/],
    [
      "too many workers",
      { name: "directpv", workers: MAX_WORKERS + 1, image: IMAGE },
      /at most 16/,
    ],
    ["upper-case name", { name: "DirectPV", workers: 2, image: IMAGE }, /cluster name "DirectPV"/],
    ["empty name", { name: "", workers: 2, image: IMAGE }, /cluster name ""/],
    ["image without tag", { name: "directpv", workers: 2, image: "kindest/node" }, /pin it by tag/],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => kindConfig(options), (err: unknown) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
