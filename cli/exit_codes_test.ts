/** Exit codes and messages of every validation error (reference §1), through the CLI. */
import assert from "node:assert/strict";
import { makeCsiNode, makeDrive } from "../lib/admin/testing.ts";
import { UnavailableError } from "../lib/errors/mod.ts";
import { EXIT_CODES, exitCodeOf, UsageError } from "./exit_codes.ts";
import { testCli } from "./testing.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";

async function expectExit(argv: string[], code: number, stderr: RegExp): Promise<void> {
  const cli = testCli();
  assert.equal(await cli.run(...argv), code, cli.stderr());
  assert.match(cli.stderr(), stderr);
}

Deno.test("exitCodeOf() maps usage errors to 2 and everything else to 1", () => {
  assert.equal(exitCodeOf(undefined), EXIT_CODES.success);
  assert.equal(exitCodeOf(new UsageError("x")), EXIT_CODES.usage);
  assert.equal(exitCodeOf(new UnavailableError("x")), EXIT_CODES.failure);
  assert.equal(exitCodeOf(new Error("x")), EXIT_CODES.failure);
});

Deno.test("usage error: a bad ellipsis", () =>
  expectExit(["cordon", "-n", "node{1..3}"], 2, /ERROR node\{1\.\.3\}/));

Deno.test("usage error: an empty node name", () =>
  expectExit(["cordon", "-n", "a,,b"], 2, /ERROR Empty node name/));

Deno.test("usage error: an empty drive name", () =>
  expectExit(["list", "drives", "-d", ""], 2, /ERROR Empty drive name/));

Deno.test("usage error: a bad drive id", () =>
  expectExit(["cordon", "not-a-uuid"], 2, /ERROR Invalid drive ID "not-a-uuid"/));

Deno.test("usage error: an uppercase drive id", () =>
  expectExit(["repair", A.toUpperCase()], 2, /ERROR Invalid drive ID "AAAAAAAA-/));

Deno.test("usage error: a bad --status", () =>
  expectExit(
    ["list", "drives", "--status", "repairing"],
    2,
    /ERROR Unknown drive status "repairing"/,
  ));

Deno.test("usage error: a bad volume --status", () =>
  expectExit(["list", "volumes", "--status", "bound"], 2, /ERROR Unknown volume status "bound"/));

Deno.test("usage error: a bad -o for list", () =>
  expectExit(["list", "drives", "-o", "xml"], 2, /must be one of wide\|json\|yaml or empty/));

Deno.test("usage error: a bad -o for install", () =>
  expectExit(["install", "-o", "wide"], 2, /must be one of yaml\|json/));

Deno.test("usage error: bad label syntax", () =>
  expectExit(["label", "drives", "tier", "--all"], 2, /must end with '-' to remove label/));

Deno.test("usage error: a reserved label key", () =>
  expectExit(
    ["label", "drives", "node=x", "--all"],
    2,
    /Cannot use reserved key "directpv.min.io\/node"/,
  ));

Deno.test("usage error: a bad --labels selector", () =>
  expectExit(["list", "drives", "--labels", "tier"], 2, /Invalid label "tier"/));

Deno.test("usage error: a bad toleration", () =>
  expectExit(
    ["install", "--tolerations", "key=value:Bogus"],
    2,
    /invalid toleration effect in toleration key=value:Bogus/,
  ));

Deno.test("usage error: a bad node selector", () =>
  expectExit(["install", "--node-selector", "=x"], 2, /invalid key in node selector value =x/));

Deno.test("usage error: a bad --kube-version with -o", () =>
  expectExit(
    ["install", "-o", "yaml", "--kube-version", "one"],
    2,
    /invalid kubernetes version one/,
  ));

Deno.test("usage error: a bad --quota", () =>
  expectExit(["install", "--quota", "off"], 2, /Invalid quota mode "off"/));

Deno.test("usage error: init without --dangerous", () =>
  expectExit(
    ["init", "drives.yaml"],
    2,
    /\*DANGEROUS\* operation and retry this command with --dangerous flag/,
  ));

Deno.test("usage error: init without or with too many files", async () => {
  await expectExit(["init", "--dangerous"], 2, /Please provide the input file/);
  await expectExit(["init", "a.yaml", "b.yaml", "--dangerous"], 2, /Too many input args/);
});

Deno.test("usage error: suspend without --dangerous", async () => {
  await expectExit(
    ["suspend", "drives", A],
    2,
    /Suspending the drives will make the corresponding volumes as read-only/,
  );
  await expectExit(["suspend", "volumes", "pvc-1"], 2, /Suspending the volumes/);
});

Deno.test("usage error: nothing selected", async (t) => {
  for (
    const [argv, message] of [
      [["cordon"], /No drive selected to cordon/],
      [["uncordon"], /No drive selected to uncordon/],
      [["remove"], /No drive selected to remove/],
      [["clean"], /No volume selected to clean/],
      [["resume", "drives"], /No drive selected to resume/],
      [["suspend", "volumes", "--dangerous"], /No volume selected to suspend/],
      [["label", "volumes", "a=b"], /No volume selected to label/],
      [["repair"], /No drive provided to repair/],
    ] as const
  ) {
    await t.step(argv.join(" "), () => expectExit([...argv], 2, message));
  }
});

Deno.test("usage error: move needs two drives", async () => {
  await expectExit(["move", A], 2, /Only one source and one destination drive must be provided/);
  await expectExit(["move", A, "x"], 2, /Invalid drive ID "x"/);
});

Deno.test("usage error: a bad --timeout", () =>
  expectExit(["discover", "--timeout", "soon"], 2, /Invalid duration "soon"/));

Deno.test("usage error: an unknown option or command", async () => {
  await expectExit(["list", "drives", "--bogus"], 2, /unknown option '--bogus'/);
  await expectExit(["frobnicate"], 2, /unknown command 'frobnicate'/);
  await expectExit(["completion", "tcsh"], 2, /Unsupported shell "tcsh"/);
});

Deno.test("usage errors are shown even with --quiet", () =>
  expectExit(["--quiet", "cordon"], 2, /No drive selected to cordon/));

Deno.test("--version and --help exit 0", async () => {
  const cli = testCli();
  assert.equal(await cli.run("--version"), 0);
  assert.equal(cli.stdout(), `${RELEASE_TAG}\n`);
  assert.equal(await cli.run("list", "drives", "--help"), 0);
  assert.match(cli.stdout(), /Usage: directpv list drives/);
});

Deno.test("no matching resources exits 1 without the ERROR prefix", async () => {
  const cli = testCli();
  assert.equal(await cli.run("cordon", A), 1);
  assert.equal(cli.stderr(), "No matching resources found\n");
  assert.equal(await cli.run("list", "drives", "--all"), 1);
  assert.match(cli.stderr(), /No resources found\n$/);
});

Deno.test("unknown discover nodes exit 1", async () => {
  const cli = testCli();
  cli.kube.seed(makeCsiNode("node1"));
  assert.equal(await cli.run("discover", "-n", "node7", "--timeout", "1s"), 1);
  assert.match(cli.stderr(), /ERROR Node\(s\) node7 not found/);
});

Deno.test("runtime failures exit 1 with ERROR, and --quiet hides them", async () => {
  const cli = testCli();
  cli.kube.seed(makeDrive({ id: A, node: "node1", name: "sdb" }));
  cli.kube.inject({ verb: "patch", error: new UnavailableError("API server unreachable") });
  assert.equal(await cli.run("cordon", A), 1);
  assert.equal(cli.stderr(), "ERROR API server unreachable\n");
  const quiet = testCli({ kube: cli.kube });
  assert.equal(await quiet.run("--quiet", "cordon", A), 1);
  assert.equal(quiet.stderr(), "");
});

Deno.test("colour only on a terminal and never with NO_COLOR", async () => {
  const tty = testCli({ tty: true });
  await tty.run("cordon", A);
  const plain = testCli({ tty: true, env: { NO_COLOR: "1" } });
  await plain.run("repair");
  assert.equal(plain.stderr(), "ERROR No drive provided to repair\n");
  const colored = testCli({ tty: true });
  await colored.run("repair");
  assert.ok(colored.stderr().startsWith("\u001b[31mERROR\u001b[39m No drive provided to repair"));
});
