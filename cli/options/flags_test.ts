import assert from "node:assert/strict";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildProgram } from "../app.ts";
import { testCli } from "../testing.ts";
import {
  allFlag,
  driveIdFlag,
  drivesFlag,
  driveStatusFlag,
  labelsFlag,
  nodesFlag,
  podNamesFlag,
  podNamespacesFlag,
  type Selected,
  volumeStatusFlag,
} from "./flags.ts";

const SELECTED: Selected[] = ["drives", "volumes", "objects"];

/** Every help text flags.ts can give each shared selector flag. */
function sharedTexts(): Map<string, Set<string>> {
  const texts = new Map<string, Set<string>>();
  const add = (option: { long?: string | undefined; description: string }) => {
    const long = option.long ?? "";
    if (!texts.has(long)) texts.set(long, new Set());
    texts.get(long)?.add(option.description);
  };
  for (const s of SELECTED) [nodesFlag(s), drivesFlag(s), labelsFlag(s), allFlag(s)].forEach(add);
  [driveStatusFlag(), volumeStatusFlag(), driveIdFlag(), podNamesFlag(), podNamespacesFlag()]
    .forEach(add);
  return texts;
}

function* walk(
  command: CommandUnknownOpts,
  path: string[] = [],
): Generator<[string, string, string]> {
  for (const option of command.options) {
    yield [[...path, command.name()].join(" "), option.long ?? "", option.description];
  }
  for (const sub of command.commands) yield* walk(sub, [...path, command.name()]);
}

Deno.test("every command declares the shared selector flags through cli/options/flags.ts", () => {
  const { program } = buildProgram(testCli().ctx);
  const texts = sharedTexts();
  const seen = new Set<string>();
  for (const [command, long, description] of walk(program)) {
    const allowed = texts.get(long);
    // discover's --all is not a selector: it also shows the drives that cannot be initialised.
    if (!allowed || (command === "directpv discover" && long === "--all")) continue;
    seen.add(long);
    assert.ok(allowed.has(description), `${command} ${long}: "${description}" is its own text`);
  }
  assert.deepEqual([...seen].sort(), [...texts.keys()].sort(), "each shared flag is in use");
});

Deno.test("list-valued flags collect repeats and comma lists", () => {
  const nodes = nodesFlag("drives");
  const parse = nodes.parseArg;
  assert.ok(parse);
  assert.deepEqual(parse("b,c", parse("a", undefined)), ["a", "b", "c"]);
  assert.equal(allFlag("volumes").description, "Select every volume");
});
