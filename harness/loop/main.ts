/**
 * Command line of the loop-device drives (root only).
 *
 *   deno run -A harness/loop/main.ts create --dir DIR --size 1GiB [--count N] [--read-only]
 *   deno run -A harness/loop/main.ts list --dir DIR
 *   deno run -A harness/loop/main.ts cleanup --dir DIR
 *
 * `create` prints one line per drive (`/dev/loopN <backing file> <major:minor>`). `cleanup`
 * unmounts, detaches and removes every drive registered in DIR or backed by a file in DIR.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../lib/errors/mod.ts";
import { attachedLoops, cleanupLoopDir, createLoopDrives, readRegistry } from "./mod.ts";

const USAGE = `Usage: harness/loop/main.ts <create|list|cleanup> --dir DIR [options]
  create   make sparse files in DIR and attach them to loop devices
  list     show the drives registered in DIR and where they are attached
  cleanup  unmount, detach and remove every drive of DIR (also unregistered leftovers)
Options:
  --dir DIR        directory of the backing files and the registry (required)
  --size SIZE      create: size of each drive, such as 1GiB (default 1GiB)
  --count N        create: how many drives (default 1)
  --name NAME      create: name of the drive (only with --count 1)
  --read-only      create: attach read-only`;

class UsageError extends Error {}

function out(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function err(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

async function create(dir: string, values: Record<string, string | boolean | undefined>) {
  const count = Number(values.count ?? "1");
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`Invalid --count "${values.count}"`);
  }
  if (values.name !== undefined && count !== 1) {
    throw new UsageError("--name needs --count 1");
  }
  const size = String(values.size ?? "1GiB");
  const readOnly = values["read-only"] === true;
  const name = typeof values.name === "string" ? values.name : undefined;
  const specs = Array.from(
    { length: count },
    () => ({ size, readOnly, ...(name ? { name } : {}) }),
  );
  for (const d of await createLoopDrives(specs, { dir })) {
    out(`${d.device} ${d.backingFile} ${d.majorMinor}${d.readOnly ? " ro" : ""}`);
  }
}

async function list(dir: string) {
  const real = await Deno.realPath(dir).catch(() => dir);
  const attached = await attachedLoops();
  for (const e of await readRegistry(real)) {
    const devices = attached.filter((l) => l.backingFile === e.backingFile).map((l) => l.device);
    out(`${e.name} ${e.backingFile} ${e.size} ${devices.join(",") || "detached"}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: "string" },
      size: { type: "string" },
      count: { type: "string" },
      name: { type: "string" },
      "read-only": { type: "boolean", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
  const dir = values.dir;
  if (!dir) throw new UsageError("--dir is required");
  switch (command) {
    case "create":
      return await create(dir, values);
    case "list":
      return await list(dir);
    case "cleanup": {
      const res = await cleanupLoopDir(dir);
      err(`Cleaned ${res.backingFiles.length} loop drive(s) in "${dir}"`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : "A command is required");
  }
}

if (import.meta.main) {
  let code = 0;
  try {
    await main(Deno.args);
  } catch (e) {
    err(`Error: ${errorMessage(e)}`);
    const usage = e instanceof UsageError || (e instanceof TypeError && "code" in e);
    if (usage) err(USAGE);
    code = usage ? 2 : 1;
  }
  Deno.exit(code);
}
