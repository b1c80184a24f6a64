/**
 * Hostile command lines: a command of the CLI with selectors, ellipses, labels, ids and
 * values drawn from the corpus and generated. Each must exit 1 or 2 with a clear ERROR line
 * (list commands may also find nothing and exit 0) and never write to the API server.
 */
import { makeDrive, makeVolume } from "../../lib/admin/testing.ts";
import { testCli } from "../../cli/testing.ts";
import { FakeKube } from "../../lib/k8s/testing.ts";
import { corpusLines } from "./corpus.ts";
import { Rng } from "./rng.ts";
import { countAnswer, type SurfaceReport, tally } from "./report.ts";

const DRIVE = "aaaaaaaa-0000-4000-8000-000000000001";
const READ_ONLY = new Set(["list", "info"]);

/** Commands and where a hostile value goes (`@` is replaced by the value). */
const TEMPLATES: readonly string[][] = [
  ["cordon", "-n", "@"],
  ["cordon", "@"],
  ["uncordon", "-d", "@"],
  ["list", "drives", "-n", "@"],
  ["list", "drives", "--status", "@"],
  ["list", "volumes", "--pod-namespaces", "@"],
  ["list", "volumes", "-d", "@"],
  ["list", "drives", "-o", "@"],
  ["label", "drives", "@", "-n", "zz"],
  ["label", "drives", "@", "-d", "zz"],
  ["label", "volumes", "@", "-n", "zz"],
  ["suspend", "drives", "@", "--dangerous"],
  ["suspend", "volumes", "@", "--dangerous"],
  ["resume", "drives", "@"],
  ["remove", "@"],
  ["remove", "-n", "@"],
  ["clean", "@"],
  ["move", "@", DRIVE],
  ["move", DRIVE, "@"],
  ["repair", "@"],
  ["init", "@", "--dangerous"],
  ["init", "drives.yaml", "--timeout", "@", "--dangerous"],
  ["discover", "--nodes", "@", "--timeout", "@"],
  ["info", "@"],
];

function hostileValue(rng: Rng, corpus: readonly string[]): string {
  const roll = rng.int(5);
  if (roll === 0) return rng.string(1 + rng.int(300), "zZ09{}.,=/-_*\0\n ");
  if (roll === 1) return `zz{${rng.int(5)}...${rng.int(5)}},${rng.pick(corpus)}`;
  return rng.pick(corpus);
}

/** The world: one Ready drive on node1 with a volume; hostile values never name them. */
function world(): FakeKube {
  const kube = new FakeKube();
  kube.seed(
    makeDrive({ id: DRIVE, node: "node1", name: "sdb", volumes: ["pvc-1"] }),
    makeVolume({ name: "pvc-1", driveId: DRIVE, node: "node1", driveName: "sdb" }),
  );
  return kube;
}

/** Runs `count` generated command lines. */
export async function runCliCases(seed: number, count: number): Promise<SurfaceReport> {
  const corpus = await corpusLines("cli_values.txt");
  const rng = new Rng(seed);
  const report = tally("CLI arguments", seed);
  const read = new Set(["get", "list", "watch"]);
  for (let i = 0; i < count; i++) {
    const argv = rng.pick(TEMPLATES).map((a) => a === "@" ? hostileValue(rng, corpus) : a);
    const cli = testCli({ kube: world() });
    const label = `#${i} ${JSON.stringify(argv).slice(0, 160)}`;
    try {
      const code = await cli.run(...argv);
      countAnswer(report, `exit ${code}`);
      const err = cli.stderr();
      const wrote = cli.kube.calls.some((c) => !read.has(c.verb));
      if (wrote) report.wrote++;
      const okAllowed = READ_ONLY.has(argv[0] ?? "");
      let why: string | undefined;
      if (code === 0 && !okAllowed) why = "exited 0";
      else if (code !== 0 && code !== 1 && code !== 2) why = `exited ${code}`;
      else if (code !== 0 && (err.trim() === "" || /^\s+at |undefined|\[object /m.test(err))) {
        why = `unclear error ${JSON.stringify(err.slice(0, 160))}`;
      }
      why ??= wrote ? "wrote to the API server" : undefined;
      if (why) report.failures.push(`${label}: ${why}`);
    } catch (err) {
      report.crashed++;
      report.failures.push(`${label}: threw ${err}`);
    }
    report.tried++;
  }
  return report;
}
