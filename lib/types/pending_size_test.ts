import assert from "node:assert/strict";
import { ANNOTATIONS } from "./labels.ts";
import type { DirectPVDrive } from "./drive.ts";
import { countedSize, pendingSizesOf, setPendingSize } from "./pending_size.ts";

function driveWith(annotation?: string): DirectPVDrive {
  return {
    apiVersion: "directpv.min.io/v1beta1",
    kind: "DirectPVDrive",
    metadata: {
      name: "d1",
      ...(annotation === undefined
        ? {}
        : { annotations: { [ANNOTATIONS.pendingSizes]: annotation } }),
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

Deno.test("pendingSizesOf() reads the entries and ignores what is not a byte count", () => {
  assert.deepEqual(pendingSizesOf(driveWith()), {});
  assert.deepEqual(pendingSizesOf(driveWith('{"a":10,"b":"x","c":-1,"d":1.5}')), { a: 10 });
  assert.deepEqual(pendingSizesOf(driveWith("not json")), {});
  assert.deepEqual(pendingSizesOf(driveWith("[1]")), {});
});

Deno.test("countedSize() is the larger of the volume's size and its entry", () => {
  const d = driveWith('{"a":30}');
  assert.equal(countedSize(d, "a", 10), 30);
  assert.equal(countedSize(d, "a", 40), 40);
  assert.equal(countedSize(d, "b", 10), 10);
});

Deno.test("setPendingSize() records and removes entries, dropping an empty annotation", () => {
  const d = driveWith();
  setPendingSize(d, "a", 30);
  setPendingSize(d, "b", 20);
  assert.deepEqual(pendingSizesOf(d), { a: 30, b: 20 });
  setPendingSize(d, "a", undefined);
  assert.deepEqual(pendingSizesOf(d), { b: 20 });
  setPendingSize(d, "b", undefined);
  assert.equal(d.metadata.annotations?.[ANNOTATIONS.pendingSizes], undefined);
});
