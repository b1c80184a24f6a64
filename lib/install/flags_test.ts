import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { parseNodeSelector, parseTolerations } from "./mod.ts";

const NODE_SELECTOR_HINT = "; format of '--node-selector' flag value must be [<key>=<value>]";
const TOLERATION_HINT =
  "; format of '--tolerations' flag value must be <key>[=value]:<NoSchedule|PreferNoSchedule|NoExecute>";

function assertInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("parseNodeSelector() parses key=value items", () => {
  assert.deepEqual(parseNodeSelector([]), {});
  assert.deepEqual(parseNodeSelector(["disk=nvme", "zone=", "disk=ssd"]), {
    disk: "ssd",
    zone: "",
  });
  assert.deepEqual(parseNodeSelector(["kubernetes.io/hostname=node-1"]), {
    "kubernetes.io/hostname": "node-1",
  });
});

Deno.test("parseNodeSelector() rejects an item without '='", () => {
  assertInvalid(
    () => parseNodeSelector(["disk"]),
    `invalid node selector value disk${NODE_SELECTOR_HINT}`,
  );
});

Deno.test("parseNodeSelector() rejects an item with two '='", () => {
  assertInvalid(
    () => parseNodeSelector(["a=b=c"]),
    `invalid node selector value a=b=c${NODE_SELECTOR_HINT}`,
  );
});

Deno.test("parseNodeSelector() rejects an empty key", () => {
  assertInvalid(
    () => parseNodeSelector(["=nvme"]),
    `invalid key in node selector value =nvme${NODE_SELECTOR_HINT}`,
  );
});

Deno.test("parseTolerations() parses Equal and Exists tolerations", () => {
  assert.deepEqual(
    parseTolerations([
      "key1=value1:NoSchedule",
      "key2:NoExecute",
      "node-role.kubernetes.io/control-plane:PreferNoSchedule",
      "key3=:NoSchedule",
    ]),
    [
      { key: "key1", operator: "Equal", value: "value1", effect: "NoSchedule" },
      { key: "key2", operator: "Exists", effect: "NoExecute" },
      {
        key: "node-role.kubernetes.io/control-plane",
        operator: "Exists",
        effect: "PreferNoSchedule",
      },
      { key: "key3", operator: "Exists", effect: "NoSchedule" },
    ],
  );
});

Deno.test("parseTolerations() rejects a toleration with too many ':'", () => {
  assertInvalid(() => parseTolerations(["a:b:c"]), `invalid toleration a:b:c${TOLERATION_HINT}`);
});

Deno.test("parseTolerations() rejects an empty key", () => {
  assertInvalid(
    () => parseTolerations([":NoSchedule"]),
    `invalid key in toleration :NoSchedule${TOLERATION_HINT}`,
  );
  assertInvalid(
    () => parseTolerations(["=v:NoSchedule"]),
    `invalid key in toleration =v:NoSchedule${TOLERATION_HINT}`,
  );
});

Deno.test("parseTolerations() rejects a value without an effect", () => {
  assertInvalid(
    () => parseTolerations(["key=value"]),
    `invalid value in toleration key=value${TOLERATION_HINT}`,
  );
});

Deno.test("parseTolerations() rejects a value with two ':'", () => {
  assertInvalid(
    () => parseTolerations(["key=v:NoSchedule:x"]),
    `invalid value in toleration key=v:NoSchedule:x${TOLERATION_HINT}`,
  );
});

Deno.test("parseTolerations() rejects a missing effect", () => {
  assertInvalid(
    () => parseTolerations(["key"]),
    `invalid toleration effect in toleration key${TOLERATION_HINT}`,
  );
  assertInvalid(
    () => parseTolerations(["key="]),
    `invalid toleration effect in toleration key=${TOLERATION_HINT}`,
  );
});

Deno.test("parseTolerations() rejects an unknown effect", () => {
  assertInvalid(
    () => parseTolerations(["key=value:noschedule"]),
    `invalid toleration effect in toleration key=value:noschedule${TOLERATION_HINT}`,
  );
});
