/**
 * Hostile third-party objects against a real API server: each generated object
 * (objects_gen.ts) is created; what the API server refuses is counted as refused. For one it
 * stores, the CLI's read commands run over it in-process, and the controller (a running
 * process) answers GetCapacity for the objects' node and ValidateVolumeCapabilities for a
 * hostile volume. Nothing may crash, nothing may write, every failure must be a clear error:
 * no stack, no `undefined`, `NaN` or `[object …]`, JSON output that parses, and the stored
 * object unchanged afterwards.
 */
import type * as grpc from "@grpc/grpc-js";
import { testCli } from "../../cli/testing.ts";
import { errorMessage } from "../../lib/errors/mod.ts";
import type { KubeClient, ResourceClient } from "../../lib/k8s/mod.ts";
import { type KubeObject, LABELS } from "../../lib/types/mod.ts";
import {
  type ControllerClient,
  GetCapacityRequest,
  ValidateVolumeCapabilitiesRequest,
} from "../../proto/mod.ts";
import { corpusLines } from "./corpus.ts";
import { hostileNode, type HostileObject, hostileObject } from "./objects_gen.ts";
import { countAnswer, type SurfaceReport, tally } from "./report.ts";
import { Rng } from "./rng.ts";

const WRITE_VERBS = new Set([
  "create",
  "update",
  "updateStatus",
  "patch",
  "delete",
  "deleteCollection",
]);
/** What a clear message never contains. */
const UNCLEAR = /^\s+at |\bundefined\b|\bNaN\b|\[object |TypeError|RangeError/m;

/** The CLI's read commands, each over every object of the kinds it lists. */
const COMMANDS: readonly string[][] = [
  ["list", "drives", "--all", "-o", "wide"],
  ["list", "drives", "--all", "-o", "json"],
  ["list", "volumes", "--all", "-o", "wide"],
  ["list", "volumes", "--all", "-o", "yaml"],
  ["info"],
];

/** A client that records every write any resource client of `kube` makes. */
export function recordWrites(kube: KubeClient, writes: string[]): KubeClient {
  const wrap = <T extends object>(name: string, client: T): T =>
    new Proxy(client, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (WRITE_VERBS.has(String(prop))) writes.push(`${name}.${String(prop)}`);
          return value.apply(target, args);
        };
      },
    });
  return new Proxy(kube, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "resource") {
        return (...args: Parameters<KubeClient["resource"]>) =>
          wrap(`resource(${args[1]})`, target.resource(...args));
      }
      if (typeof value === "function") return value.bind(target);
      return value && typeof value === "object" ? wrap(String(prop), value) : value;
    },
  });
}

function clientOf(kube: KubeClient, kind: HostileObject["kind"]): ResourceClient<KubeObject> {
  const clients = { drive: kube.drives, volume: kube.volumes, node: kube.nodes };
  return clients[kind] as unknown as ResourceClient<KubeObject>;
}

/** What is wrong with one CLI run's answer. */
function judgeCli(argv: readonly string[], code: number, out: string, err: string): string[] {
  const wrong: string[] = [];
  if (code !== 0 && code !== 1) wrong.push(`exited ${code}`);
  if (code !== 0 && err.trim() === "") wrong.push("failed without a message");
  if (UNCLEAR.test(err) || UNCLEAR.test(out)) {
    wrong.push(
      `unclear output ${JSON.stringify((err + out).match(UNCLEAR)?.input?.slice(0, 200))}`,
    );
  }
  if (code === 0 && argv.includes("json")) {
    try {
      JSON.parse(out);
    } catch {
      wrong.push("printed invalid JSON");
    }
  }
  return wrong;
}

function unary<T>(start: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void) {
  return new Promise<{ err?: grpc.ServiceError; res?: T }>((resolve) =>
    start((err, res) => resolve(err ? { err } : res === undefined ? {} : { res }))
  );
}

/** Whether a drive's capacity figures are anything but sound byte counts. */
function unsoundCapacity(o: HostileObject): boolean {
  if (o.kind !== "drive") return false;
  const status = (o.object as { status?: Record<string, unknown> }).status ?? {};
  const [total, free, allocated] = ["totalCapacity", "freeCapacity", "allocatedCapacity"]
    .map((k) => status[k]);
  const bad = (v: unknown) => typeof v !== "number" || !Number.isSafeInteger(v) || v < 0;
  if (bad(total) || bad(free) || bad(allocated)) return true;
  return (free as number) > (total as number) || (allocated as number) > (total as number);
}

/** What is wrong with the controller's answers about the stored hostile object. */
async function judgeController(
  controller: ControllerClient,
  o: HostileObject,
  i: number,
): Promise<string[]> {
  const wrong: string[] = [];
  const topology = { segments: { [LABELS.node]: hostileNode(i) } };
  const cap = await unary<{ availableCapacity: number }>((cb) =>
    controller.getCapacity(GetCapacityRequest.fromPartial({ accessibleTopology: topology }), cb)
  );
  const bytes = cap.res?.availableCapacity;
  if (cap.err) wrong.push(`GetCapacity: ${cap.err.code} ${cap.err.details}`);
  else if (!Number.isSafeInteger(bytes) || (bytes ?? -1) < 0) wrong.push(`GetCapacity ${bytes}`);
  else if (unsoundCapacity(o) && bytes !== 0) {
    wrong.push(`GetCapacity counted ${bytes} bytes of a drive with unsound capacity figures`);
  }
  if (o.kind !== "volume") return wrong;
  const validate = await unary((cb) =>
    controller.validateVolumeCapabilities(
      ValidateVolumeCapabilitiesRequest.fromPartial({
        volumeId: o.object.metadata.name ?? "",
        volumeCapabilities: [{ mount: { fsType: "xfs" }, accessMode: { mode: 1 } }],
      }),
      cb,
    )
  );
  // INTERNAL (13) and UNKNOWN (2) are what an unhandled exception becomes.
  if (validate.err && [2, 13].includes(validate.err.code)) {
    wrong.push(`ValidateVolumeCapabilities: ${validate.err.code} ${validate.err.details}`);
  }
  return wrong;
}

/** Removes a case's object whatever its finalizers. */
async function remove(client: ResourceClient<KubeObject>, name: string): Promise<void> {
  await client.patch(name, { metadata: { finalizers: null } }).catch(() => {});
  await client.delete(name).catch(() => {});
}

/** Runs the CLI's read commands and the controller's calls over one stored object. */
async function probe(
  kube: KubeClient,
  controller: ControllerClient,
  o: HostileObject,
  i: number,
  report: SurfaceReport,
): Promise<string[]> {
  const wrong: string[] = [];
  const writes: string[] = [];
  const client = clientOf(kube, o.kind);
  const name = o.object.metadata.name ?? "";
  const before = (await client.get(name)).metadata.resourceVersion;
  for (const argv of COMMANDS) {
    const cli = testCli({ connectTo: recordWrites(kube, writes) });
    try {
      const code = await cli.run(...argv);
      countAnswer(report, `${argv[0]} exit ${code}`);
      wrong.push(...judgeCli(argv, code, cli.stdout(), cli.stderr()).map((w) => `${argv}: ${w}`));
    } catch (err) {
      report.crashed++;
      wrong.push(`${argv.join(" ")}: threw ${errorMessage(err)}`);
    }
  }
  wrong.push(...await judgeController(controller, o, i));
  const after = (await client.get(name)).metadata.resourceVersion;
  if (writes.length > 0 || after !== before) {
    report.wrote++;
    wrong.push(`wrote: ${writes.join(", ") || `resourceVersion ${before} → ${after}`}`);
  }
  return wrong;
}

/** Runs `count` generated objects against the API server of `kube` and the controller. */
export async function runObjectCases(
  kube: KubeClient,
  controller: ControllerClient,
  seed: number,
  count: number,
): Promise<SurfaceReport> {
  const corpus = await corpusLines("cli_values.txt");
  const rng = new Rng(seed);
  const run = seed.toString(16).padStart(8, "0").slice(-8);
  const report = tally("third-party objects", seed);
  for (let i = 0; i < count; i++) {
    const o = hostileObject(rng, corpus, run, i);
    const client = clientOf(kube, o.kind);
    const label = `#${i} ${o.kind} ${o.mutations.join("; ")}`;
    report.tried++;
    try {
      await client.create(o.object);
    } catch (err) {
      countAnswer(report, `refused ${(err as Error).constructor.name}`);
      continue;
    }
    countAnswer(report, "stored");
    try {
      const wrong = await probe(kube, controller, o, i, report);
      if (wrong.length > 0) report.failures.push(`${label}: ${wrong.join(" | ")}`);
    } finally {
      await remove(client, o.object.metadata.name ?? "");
    }
  }
  return report;
}
