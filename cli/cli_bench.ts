/**
 * CLI benchmarks: start-up (`--version` through the launcher and through `deno run`) and
 * `list drives` over 1,000 drives against FakeKube (table and JSON).
 * Run with `deno bench -A cli/cli_bench.ts`.
 */
import { makeDrive, makeVolume } from "../lib/admin/testing.ts";
import { FakeKube } from "../lib/k8s/testing.ts";
import { testCli } from "./testing.ts";

const repo = new URL("..", import.meta.url).pathname;

async function spawn(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  }
}

Deno.bench("directpv --version (tools/kubectl-directpv launcher)", {
  group: "startup",
  baseline: true,
}, async () => {
  await spawn(`${repo}tools/kubectl-directpv`, ["--version"]);
});

Deno.bench("directpv --version (deno run cli/main.ts)", { group: "startup" }, async () => {
  await spawn(Deno.execPath(), [
    "run",
    "--quiet",
    "--frozen",
    "-A",
    `${repo}cli/main.ts`,
    "--version",
  ]);
});

function thousandDrives(): FakeKube {
  const kube = new FakeKube();
  for (let i = 0; i < 1000; i++) {
    const id = `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, "0")}`;
    kube.seed(makeDrive({ id, node: `node${i % 50}`, name: `sd${i}`, volumes: [`pvc-${i}`] }));
    kube.seed(
      makeVolume({ name: `pvc-${i}`, driveId: id, node: `node${i % 50}`, driveName: `sd${i}` }),
    );
  }
  return kube;
}

const kube = thousandDrives();

Deno.bench("list drives, 1,000 drives (table)", { group: "list" }, async () => {
  const cli = testCli({ kube });
  if (await cli.run("list", "drives", "--all") !== 0) throw new Error(cli.stderr());
});

Deno.bench("list drives, 1,000 drives (-o json)", { group: "list" }, async () => {
  const cli = testCli({ kube });
  if (await cli.run("list", "drives", "--all", "-o", "json") !== 0) throw new Error(cli.stderr());
});

Deno.bench("list volumes, 1,000 volumes (table)", { group: "list" }, async () => {
  const cli = testCli({ kube });
  if (await cli.run("list", "volumes", "--all") !== 0) throw new Error(cli.stderr());
});
