/**
 * The Deno side of `harness/kind/kind.sh`:
 *
 *   deno run harness/kind/main.ts config --name NAME --workers N --image IMAGE
 *       prints the kind cluster configuration (YAML) on stdout
 *   deno run --allow-read harness/kind/main.ts check-drives DRIVES_YAML LOOPS_TSV
 *       exits 1 when drives.yaml selects a drive that is not one of the recorded loop devices
 *
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { parseArgs } from "node:util";
import { renderKindConfig } from "./config.ts";
import { checkInitConfig, parseLoopRecords } from "./drives.ts";
import { readInitConfig } from "../../lib/init_config/mod.ts";

function say(msg: string): void {
  console.error(`[kind] ${msg}`);
}

class UsageError extends Error {}

function configCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: "string" },
      workers: { type: "string", default: "2" },
      image: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.name || !values.image) throw new UsageError("config needs --name and --image");
  const workers = Number(values.workers);
  console.log(renderKindConfig({ name: values.name, workers, image: values.image }).trimEnd());
  return 0;
}

async function checkDrivesCommand(args: string[]): Promise<number> {
  const [drivesYaml, loopsTsv, ...extra] = args;
  if (!drivesYaml || !loopsTsv || extra.length > 0) {
    throw new UsageError("check-drives needs DRIVES_YAML and LOOPS_TSV");
  }
  const config = readInitConfig(await Deno.readTextFile(drivesYaml), { source: drivesYaml });
  const records = parseLoopRecords(await Deno.readTextFile(loopsTsv));
  const { foreign, missing } = checkInitConfig(config, records);
  for (const m of missing) say(`Warning: loop drive ${m} is not selected in ${drivesYaml}`);
  if (foreign.length > 0) {
    say(`${drivesYaml} selects drives that kind.sh did not attach: ${foreign.join(", ")}`);
    return 1;
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    if (verb === "config") return configCommand(rest);
    if (verb === "check-drives") return await checkDrivesCommand(rest);
    throw new UsageError(`Unknown command "${verb ?? ""}": use config or check-drives`);
  } catch (err) {
    const usage = err instanceof UsageError || (err instanceof TypeError && "code" in err);
    say(`${usage ? "Usage error: " : ""}${err instanceof Error ? err.message : String(err)}`);
    return usage ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
