/**
 * Hostile drives.yaml for `kubectl directpv init --dangerous`: a valid file broken by one
 * generated mutation, or a corpus file. Each must exit 1 or 2 with one clear ERROR line on
 * stderr, create no init request and write nothing to the API server.
 */
import { testCli } from "../../cli/testing.ts";
import { stringify } from "yaml";
import { corpusFiles } from "./corpus.ts";
import type { Rng } from "./rng.ts";
import { Rng as Seeded } from "./rng.ts";
import { countAnswer, type SurfaceReport, tally } from "./report.ts";

type Doc = { version?: unknown; nodes?: unknown };
type Mutation = (doc: Doc, rng: Rng) => Doc | string;

const drive = (id: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  name: "sdb",
  size: 1073741824,
  make: "",
  select: "yes",
  ...extra,
});
const node = (name: unknown, drives: unknown) => ({ name, drives });
const valid = (): Doc => ({ version: "v1", nodes: [node("node1", [drive("8:16$a")])] });

const ODD_NAMES = ["", "a/b", "NODE1", "n".repeat(300), "node1\0", "../node1", " node1", "😀"];
const ODD_IDS = ["", "8:16", "$", "8:16$", "x".repeat(5000), "8:16$a\n", "8:16$a\0", "../8:16$a"];
const ODD_SELECT = ["maybe", "true", "", "no\0", "yes please"];

const MUTATIONS: readonly Mutation[] = [
  (d, r) => ({ ...d, version: r.pick(["v2", "", "v1 ", "V1", 1, null, ["v1"], { v: 1 }]) }),
  (d) => ({ version: d.version }),
  (d, r) => ({ ...d, nodes: r.pick(["node1", 7, { name: "node1" }, null, [null], [1], ["x"]]) }),
  (d, r) => ({ ...d, nodes: [node(r.pick([...ODD_NAMES, null, 5, ["x"]]), [drive("8:16$a")])] }),
  (d, r) => ({ ...d, nodes: [node("node1", r.pick([null, "sdb", 3, { id: "8:16$a" }, [null]]))] }),
  (d, r) => ({ ...d, nodes: [node("node1", [drive(r.pick(ODD_IDS))])] }),
  (d) => ({ ...d, nodes: [node("node1", [drive("8:16$a"), drive("8:16$a")])] }),
  (d) => ({ ...d, nodes: [node("node1", [drive("8:16$a")]), node("node1", [drive("8:32$b")])] }),
  (d, r) => ({ ...d, nodes: [node("node1", [drive("8:16$a", { select: r.pick(ODD_SELECT) })])] }),
  (d, r) => ({
    ...d,
    nodes: [node("node1", [drive("8:16$a", { size: r.pick(["big", -1, 1e300, null, [1]]) })])],
  }),
  (d, r) => ({
    ...d,
    nodes: [node("node1", [drive(r.pick<unknown>([5, null, true, ["8:16$a"]]))])],
  }),
  (d, r) =>
    stringify(d).slice(0, 1 + r.int(stringify(d).length - 2)) +
    r.pick(["[", "{", ":", "\t- x", '"']),
  (_d, r) => r.string(1 + r.int(2000), "\0\x01\xff{}[]:-&*!|>'\"%@` \n\t"),
  (d, r) => ({
    ...d,
    nodes: Array.from({ length: 3000 + r.int(2000) }, (_, i) => node(`n${i}`, 1)),
  }),
];

/** One generated drives.yaml. */
export function hostileYaml(rng: Rng): string {
  const out = rng.pick(MUTATIONS)(valid(), rng);
  return typeof out === "string" ? out : stringify(out);
}

const STACK = /^\s+at /m;

/** Runs one file through `init` and says what is wrong with the outcome, if anything. */
async function initOnce(text: string): Promise<{ answer: string; why?: string; wrote: boolean }> {
  const cli = testCli();
  await cli.files.writeText("/work/drives.yaml", text);
  const code = await cli.run("init", "drives.yaml", "--dangerous", "--timeout", "1s");
  const read = new Set(["get", "list", "watch"]);
  const wrote = cli.kube.calls.some((c) => !read.has(c.verb));
  const err = cli.stderr();
  const answer = `exit ${code}`;
  if (code !== 1 && code !== 2) return { answer, why: `exited ${code}`, wrote };
  if (!/ERROR /.test(err) || STACK.test(err) || /undefined|\[object Object\]/.test(err)) {
    return { answer, why: `unclear error ${JSON.stringify(err.slice(0, 200))}`, wrote };
  }
  return { answer, wrote };
}

/** Runs the corpus files and then `count` generated files. */
export async function runYamlCases(seed: number, count: number): Promise<SurfaceReport> {
  const report = tally("drives.yaml", seed);
  const rng = new Seeded(seed);
  const corpus = [...(await corpusFiles("drives_yaml"))].filter(([n]) => n !== "valid.yaml");
  for (let i = 0; i < count; i++) {
    const [label, text] = i < corpus.length
      ? corpus[i] as [string, string]
      : [`#${i}`, hostileYaml(rng)];
    try {
      const outcome = await initOnce(text);
      countAnswer(report, outcome.answer);
      if (outcome.wrote) report.wrote++;
      const why = outcome.why ?? (outcome.wrote ? "wrote to the API server" : undefined);
      if (why) report.failures.push(`${label}: ${why}: ${JSON.stringify(text.slice(0, 160))}`);
    } catch (err) {
      report.crashed++;
      report.failures.push(`${label}: threw ${err}`);
    }
    report.tried++;
  }
  return report;
}
