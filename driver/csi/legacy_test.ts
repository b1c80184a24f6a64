import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { FINALIZERS, LEGACY_TOPOLOGY_KEYS } from "../../lib/types/mod.ts";
import { ControllerServiceCapability_RPC_Type as RpcType } from "../../proto/mod.ts";
import {
  callCtx,
  controllerSetup,
  drive,
  GiB,
  mountCap,
  nodeSetup,
  rejects,
  volume,
} from "./fixtures_test.ts";
import { legacyControllerHandlers } from "./legacy.ts";
import { nodeHandlers } from "./node.ts";
import { Status } from "./status.ts";

const CREATE = {
  name: "pvc-new",
  capacityRange: { requiredBytes: GiB, limitBytes: 0 },
  volumeCapabilities: [mountCap()],
  parameters: {},
  secrets: {},
  volumeContentSource: undefined,
  accessibilityRequirements: undefined,
  mutableParameters: {},
};

Deno.test("legacy controller refuses CreateVolume, naming the volume and the class to use", async () => {
  const { deps, kube } = controllerSetup([drive("d1", { free: 9 * GiB })]);
  const handlers = legacyControllerHandlers(deps);
  await rejects(
    handlers.createVolume?.(CREATE, callCtx()) ?? Promise.resolve(),
    InvalidArgumentError,
    Status.INVALID_ARGUMENT,
    'Cannot create volume "pvc-new" under the legacy driver "direct-csi-min-io": use the ' +
      '"directpv-min-io" storage class (the legacy driver only serves migrated volumes)',
  );
  assert.equal((await kube.volumes.list()).items.length, 0, "no volume written");
  assert.equal((await kube.drives.get("d1")).status.freeCapacity, 9 * GiB, "nothing reserved");
});

Deno.test("legacy controller deletes and expands existing volumes, and places none", async () => {
  const setup = controllerSetup([drive("d1", { free: 9 * GiB })], [volume("pvc-1"), volume("p2")]);
  const handlers = legacyControllerHandlers(setup.deps);
  const expand = { volumeId: "pvc-1", secrets: {}, volumeCapability: undefined };
  const grown = await handlers.controllerExpandVolume?.(
    { ...expand, capacityRange: { requiredBytes: 3 * GiB, limitBytes: 0 } },
    callCtx(),
  );
  assert.deepEqual(grown, { capacityBytes: 3 * GiB, nodeExpansionRequired: true });
  assert.equal((await setup.kube.drives.get("d1")).status.freeCapacity, 7 * GiB);
  assert.deepEqual(await handlers.deleteVolume?.({ volumeId: "p2", secrets: {} }, callCtx()), {});
  const deleted = await setup.kube.volumes.get("p2");
  assert.deepEqual(deleted.metadata.finalizers, [FINALIZERS.purgeProtection]);
  assert.ok(deleted.metadata.deletionTimestamp);
  assert.equal(handlers.getCapacity, undefined, "GetCapacity is UNIMPLEMENTED");
  const caps = await handlers.controllerGetCapabilities?.({}, callCtx());
  assert.deepEqual(caps?.capabilities?.map((c) => c.rpc?.type), [
    RpcType.CREATE_DELETE_VOLUME,
    RpcType.EXPAND_VOLUME,
  ]);
});

Deno.test("a node plugin with DirectCSI's keys reports them in NodeGetInfo", async () => {
  const { host, deps } = await nodeSetup();
  try {
    const legacy = {
      ...deps,
      identity: "direct-csi-min-io",
      topologyKeys: LEGACY_TOPOLOGY_KEYS,
    };
    const info = await nodeHandlers(legacy).nodeGetInfo?.({}, callCtx());
    assert.deepEqual(info?.accessibleTopology?.segments, {
      "direct.csi.min.io/identity": "direct-csi-min-io",
      "direct.csi.min.io/node": "node-1",
      "direct.csi.min.io/rack": "default",
      "direct.csi.min.io/zone": "default",
      "direct.csi.min.io/region": "default",
    });
  } finally {
    await host.dispose();
  }
});
