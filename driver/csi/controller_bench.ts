/**
 * CreateVolume latency with 10,000 drives over 100 nodes in the informer cache (FakeKube).
 * Targets: median ≤ 5 ms, p99 ≤ 20 ms. Besides `deno bench`'s own table, the
 * "percentiles" bench prints the median and p99 of a run of sequential calls.
 *
 *   deno bench -A driver/csi/controller_bench.ts
 */
import { Informer } from "../../lib/k8s/mod.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import { LABELS } from "../../lib/types/mod.ts";
import type { CreateVolumeRequest } from "../../proto/mod.ts";
import { BusyDrives, type ControllerDeps, indexedDriveCache } from "./controller_deps.ts";
import { compactDrive } from "./drive_record.ts";
import { createVolume } from "./controller_create.ts";
import { callCtx, drive, GiB, MemoryEvents, mountCap } from "./fixtures_test.ts";

const NODES = 100;
const DRIVES_PER_NODE = 100;

async function setup(): Promise<{ deps: ControllerDeps; informer: Informer<never> }> {
  const kube = new FakeKube();
  const drives = [];
  for (let n = 0; n < NODES; n++) {
    for (let d = 0; d < DRIVES_PER_NODE; d++) {
      drives.push(drive(`drive-${n}-${d}`, { node: `node-${n}`, total: 16 * 1024 * GiB }));
    }
  }
  kube.seed(...drives);
  const informer = new Informer(kube.drives, { transform: compactDrive });
  informer.start();
  await informer.waitForSync();
  const deps = {
    kube,
    drives: indexedDriveCache(informer),
    events: new MemoryEvents(),
    busy: new BusyDrives(),
  };
  return { deps, informer: informer as unknown as Informer<never> };
}

let counter = 0;

function request(options: { topology?: boolean } = {}): CreateVolumeRequest {
  const i = counter++;
  const node = `node-${i % NODES}`;
  return {
    name: `pvc-${i}`,
    capacityRange: { requiredBytes: GiB, limitBytes: 0 },
    volumeCapabilities: [mountCap()],
    parameters: { "csi.storage.k8s.io/fstype": "xfs" },
    secrets: {},
    volumeContentSource: undefined,
    accessibilityRequirements: options.topology === false ? undefined : {
      requisite: [{ segments: { [LABELS.node]: node } }],
      preferred: [{ segments: { [LABELS.node]: node } }],
    },
    mutableParameters: {},
  };
}

const ready = setup();

Deno.bench("CreateVolume, 10,000 drives over 100 nodes", async (b) => {
  const { deps } = await ready;
  const req = request();
  b.start();
  await createVolume(deps, req, callCtx());
  b.end();
});

Deno.bench("CreateVolume without topology (scans every drive)", async (b) => {
  const { deps } = await ready;
  const req = request({ topology: false });
  b.start();
  await createVolume(deps, req, callCtx());
  b.end();
});

Deno.bench({ name: "percentiles (2,000 sequential calls)", n: 1, warmup: 0 }, async () => {
  const { deps, informer } = await ready;
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const req = request();
    const start = performance.now();
    await createVolume(deps, req, callCtx());
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  // deno-lint-ignore no-console -- a benchmark prints its figures
  console.log(
    `CreateVolume over ${NODES * DRIVES_PER_NODE} drives: median ${at(0.5).toFixed(3)} ms, ` +
      `p99 ${at(0.99).toFixed(3)} ms, max ${at(1).toFixed(3)} ms`,
  );
  await informer.stop();
});
