/**
 * probeDevices() on this machine with 8 real 1 GiB loop devices attached (root only; without
 * root the bench is ignored). Run: `deno bench -A harness/privileged/probe_bench.ts`.
 */
import { probeDevices } from "../../lib/device/mod.ts";
import { createRealHost } from "../../lib/sys/mod.ts";
import { privilegedSkipReason } from "./_lab.ts";

const reason = privilegedSkipReason();
const loops: string[] = [];
let dir = "";

function run(command: string, args: string[]): string {
  const out = new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!out.success) throw new Error(`${command} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}

function cleanup(): void {
  for (const loop of loops.splice(0)) run("losetup", ["-d", loop]);
  if (dir) Deno.removeSync(dir, { recursive: true });
  dir = "";
}

if (!reason) {
  dir = Deno.makeTempDirSync({ prefix: "directpv-bench-" });
  globalThis.addEventListener("unload", cleanup);
  try {
    for (let i = 0; i < 8; i++) {
      const file = `${dir}/d${i}.img`;
      Deno.writeFileSync(file, new Uint8Array());
      Deno.truncateSync(file, 1024 ** 3);
      loops.push(run("losetup", ["--find", "--show", file]));
    }
    if (loops[0]) run("mkfs.xfs", ["-q", loops[0]]);
  } catch (err) {
    cleanup();
    throw err;
  }
} else {
  console.log(`Privileged bench skipped: ${reason}`);
}

const host = createRealHost();
const names = loops.map((l) => l.split("/").pop() ?? l);

Deno.bench({
  name: `probeDevices() on this host (with ${loops.length} loop devices)`,
  ignore: reason !== undefined,
  fn: async () => {
    await probeDevices(host, { nodeId: "bench", allowLoop: true });
  },
});

Deno.bench({
  name: `probeDevices() of ${loops.length} loop devices only`,
  ignore: reason !== undefined,
  fn: async () => {
    await probeDevices(host, { nodeId: "bench", allowLoop: true, only: { names } });
  },
});
