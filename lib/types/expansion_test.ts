import assert from "node:assert/strict";
import { ANNOTATIONS } from "./labels.ts";
import type { DirectPVDrive } from "./drive.ts";
import { countedSize, expansionsOf, setExpansion } from "./expansion.ts";

function driveWith(annotation?: string): DirectPVDrive {
  return {
    apiVersion: "directpv.min.io/v1beta1",
    kind: "DirectPVDrive",
    metadata: {
      name: "d1",
      ...(annotation === undefined
        ? {}
        : { annotations: { [ANNOTATIONS.expansions]: annotation } }),
    },
    spec: {},
    status: {
      totalCapacity: 100,
      allocatedCapacity: 0,
      freeCapacity: 100,
      fsuuid: "d1",
      status: "Ready",
      topology: {},
    },
  } as DirectPVDrive;
}

Deno.test("expansionsOf() reads the entries and ignores what is not a byte count", () => {
  assert.deepEqual(expansionsOf(driveWith()), {});
  assert.deepEqual(expansionsOf(driveWith('{"a":10,"b":"x","c":-1,"d":1.5}')), { a: 10 });
  assert.deepEqual(expansionsOf(driveWith("not json")), {});
  assert.deepEqual(expansionsOf(driveWith("[1]")), {});
});

Deno.test("countedSize() is the larger of the volume's size and its entry", () => {
  const d = driveWith('{"a":30}');
  assert.equal(countedSize(d, "a", 10), 30);
  assert.equal(countedSize(d, "a", 40), 40);
  assert.equal(countedSize(d, "b", 10), 10);
});

Deno.test("setExpansion() records and removes entries, dropping an empty annotation", () => {
  const d = driveWith();
  setExpansion(d, "a", 30);
  setExpansion(d, "b", 20);
  assert.deepEqual(expansionsOf(d), { a: 30, b: 20 });
  setExpansion(d, "a", undefined);
  assert.deepEqual(expansionsOf(d), { b: 20 });
  setExpansion(d, "b", undefined);
  assert.equal(d.metadata.annotations?.[ANNOTATIONS.expansions], undefined);
});
