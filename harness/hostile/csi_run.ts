/**
 * Runs generated hostile CSI requests through the driver's gRPC adapter (decode, call
 * wrapper, handlers, status mapping) over a fake host and a fake API server, and checks each
 * answer: a refusal with a clear message and the right code, or OK only where nothing was
 * there to remove; never a crash, a write to the API server, a mount or a command.
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { nullLogger } from "../../lib/log/mod.ts";
import { ControllerDefinition, NodeDefinition } from "../../proto/mod.ts";
import {
  CallWrapper,
  controllerHandlers,
  controllerSetup,
  drive,
  FSUUID,
  GiB,
  grpcService,
  nodeHandlers,
  nodeSetup,
  publishReq,
  stageReq,
  STAGING,
  TARGET,
  volume,
} from "../../driver/testing.ts";
import { corpusLines } from "./corpus.ts";
import { type CsiCase, csiCase, type CsiCorpus } from "./csi_gen.ts";
import { Rng } from "./rng.ts";
import { socketSender } from "./socket.ts";
import { countAnswer, type SurfaceReport, tally } from "./report.ts";

const KUBELET = "/var/lib/kubelet";
const REFUSALS = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.OUT_OF_RANGE,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.ALREADY_EXISTS,
  grpc.status.RESOURCE_EXHAUSTED,
]);
const UNCLEAR = /Cannot read properties|undefined is not|is not a function|TypeError|\bat \//;

/** A unary call as grpc-js hands it to a handler. */
class Call extends EventEmitter {
  cancelled = false;
  constructor(readonly request: object) {
    super();
  }
}

/** The node and controller the cases run against, and the paths they aim at. */
export interface CsiWorld {
  node: Awaited<ReturnType<typeof nodeSetup>>;
  controller: ReturnType<typeof controllerSetup>;
  services: Record<"Controller" | "Node", ReturnType<typeof grpcService>>;
  symlinked: string;
  foreignMount: string;
}

/** The world the cases run against: pvc-1 staged, published, a foreign mount, a symlink. */
export async function csiWorld(): Promise<CsiWorld> {
  const node = await nodeSetup({ volumes: [volume("pvc-1", { drive: FSUUID, size: GiB })] });
  const ctx = { signal: new AbortController().signal, logger: nullLogger() };
  const nh = nodeHandlers(node.deps);
  await nh.nodeStageVolume?.(stageReq(), ctx);
  await nh.nodePublishVolume?.(publishReq(), ctx);
  const host = node.host;
  const foreignMount = `${KUBELET}/pods/other/volumes/kubernetes.io~empty-dir/cache`;
  await host.fs.mkdir(host.paths.host(foreignMount), { recursive: true });
  await host.addMount({ mountPoint: host.paths.host(foreignMount), fsType: "tmpfs" });
  const symlinked = `${KUBELET}/pods/linked`;
  await host.fs.mkdir(host.paths.host(`${KUBELET}/pods`), { recursive: true });
  await host.fs.mkdir(host.paths.host("/etc/outside"), { recursive: true });
  await host.fs.symlink(host.paths.host("/etc/outside"), host.paths.host(symlinked));
  const controller = controllerSetup([drive("d1", { free: 10 * GiB })], [volume("pvc-1")]);
  const calls = new CallWrapper({ logger: nullLogger() });
  const services = {
    Controller: grpcService(calls, ControllerDefinition, controllerHandlers(controller.deps)),
    Node: grpcService(calls, NodeDefinition, nodeHandlers(node.deps)),
  };
  return { node, controller, services, symlinked, foreignMount };
}

/** What can change: API writes (both fakes), mounts, mount calls and commands. */
function footprint(world: CsiWorld): string {
  const read = new Set(["get", "list", "watch"]);
  const writes = [...world.node.kube.calls, ...world.controller.kube.calls]
    .filter((c) => !read.has(c.verb)).length;
  const host = world.node.host;
  return JSON.stringify([writes, host.mounts, host.mountCalls.length, host.execCalls.length]);
}

/** The corpus the generator draws from, with this world's paths. */
export async function csiCorpus(world: CsiWorld): Promise<CsiCorpus> {
  return {
    ids: await corpusLines("volume_ids.txt"),
    paths: await corpusLines("paths.txt"),
    sizes: await corpusLines("sizes.txt"),
    kubeletDir: KUBELET,
    staging: STAGING,
    target: TARGET,
    foreignMount: world.foreignMount,
    symlinked: world.symlinked,
  };
}

/** Sends one case's bytes through the adapter; resolves with the gRPC answer. */
export function sendCase(
  world: CsiWorld,
  c: CsiCase,
): Promise<{ code: grpc.status; details: string }> {
  const service = world.services[c.service];
  const key = c.method[0]?.toLowerCase() + c.method.slice(1);
  const method = service.definition[key] as grpc.MethodDefinition<object, object>;
  const handler = service.implementation[key] as grpc.handleUnaryCall<object, object>;
  const request = method.requestDeserialize(Buffer.from(c.bytes));
  return new Promise((resolve) => {
    handler(new Call(request) as unknown as grpc.ServerUnaryCall<object, object>, (err) => {
      const e = err as { code?: grpc.status; details?: string } | null;
      resolve({ code: e?.code ?? grpc.status.OK, details: e?.details ?? "" });
    });
  });
}

/** Why an answer is wrong for a case, or undefined when it is right. */
export function judge(
  c: CsiCase,
  answer: { code: grpc.status; details: string },
): string | undefined {
  if (answer.code === grpc.status.OK) return c.okAllowed ? undefined : "answered OK";
  if (!REFUSALS.has(answer.code)) return `answered ${grpc.status[answer.code]}`;
  if (answer.details === "" || UNCLEAR.test(answer.details)) {
    return `unclear message ${JSON.stringify(answer.details)}`;
  }
  return undefined;
}

/** Runs `count` cases from `seed` against one world. */
export async function runCsiCases(
  seed: number,
  count: number,
  options: { socketDir?: string } = {},
): Promise<SurfaceReport> {
  const world = await csiWorld();
  const socket = options.socketDir
    ? await socketSender(world.services, options.socketDir)
    : undefined;
  const send = socket ? (_w: CsiWorld, c: CsiCase) => socket.send(c) : sendCase;
  try {
    const corpus = await csiCorpus(world);
    const rng = new Rng(seed);
    const report = tally(options.socketDir ? "CSI over a socket" : "CSI requests", seed);
    for (let i = 0; i < count; i++) {
      const c = csiCase(rng, corpus);
      const before = footprint(world);
      let why: string | undefined;
      try {
        const answer = await send(world, c);
        why = judge(c, answer);
        countAnswer(report, grpc.status[answer.code] ?? String(answer.code));
      } catch (err) {
        report.crashed++;
        why = `threw ${err}`;
      }
      if (footprint(world) !== before) {
        report.wrote++;
        why ??= "changed the store, the mounts or ran a command";
      }
      report.tried++;
      if (why) report.failures.push(`#${i} ${c.method} (${c.axis}): ${why}: ${c.detail}`);
    }
    return report;
  } finally {
    socket?.close();
    await world.node.host.dispose();
  }
}
