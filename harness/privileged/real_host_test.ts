/**
 * The real Host's command runner and mounter against the machine. The runner tests need only
 * `--allow-run`; reflink detection needs root and loop devices.
 */
import assert from "node:assert/strict";
import { CommandError, DeadlineExceededError, NotFoundError } from "../../lib/errors/mod.ts";
import { createRealHost } from "../../lib/sys/mod.ts";
import { detectReflinkSupport } from "../../lib/xfs/mod.ts";
import { LoopLab, privilegedTest } from "./_lab.ts";

Deno.test("RealCommandRunner turns a non-zero exit into CommandError", async () => {
  const host = createRealHost();
  const err = await host.exec.run("sh", ["-c", "echo oops >&2; exit 3"]).catch((e) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.code, 3);
  assert.equal(err.command, "sh");
  assert.deepEqual(err.args, ["-c", "echo oops >&2; exit 3"]);
  assert.equal(err.stderr.trim(), "oops");
  const ok = await host.exec.run("sh", ["-c", "exit 3"], { allowFailure: true });
  assert.equal(ok.code, 3);
});

Deno.test("RealCommandRunner kills the child when the signal aborts", async () => {
  const host = createRealHost();
  const started = performance.now();
  await assert.rejects(
    () => host.exec.run("sleep", ["30"], { signal: AbortSignal.timeout(200) }),
    DeadlineExceededError,
  );
  assert.ok(performance.now() - started < 5000);
});

Deno.test("RealCommandRunner feeds stdin, streams lines and reports missing commands", async () => {
  const host = createRealHost();
  const lines: string[] = [];
  const out = await host.exec.run("sh", ["-c", "cat; echo err >&2"], {
    stdin: "a\nb",
    onLine: (line, stream) => lines.push(`${stream}:${line}`),
  });
  assert.equal(out.stdout, "a\nb");
  assert.deepEqual(lines.sort(), ["stderr:err", "stdout:a", "stdout:b"]);
  await assert.rejects(() => host.exec.run("no-such-command-xyz", []), NotFoundError);
});

privilegedTest("detectReflinkSupport() answers on this kernel and cleans up", async () => {
  await using lab = await LoopLab.create();
  const host = createRealHost({ appDir: `${lab.dir}/app` });
  const dir = await lab.mkdir("reflink");
  const supported = await detectReflinkSupport(host, { dir });
  console.log(`XFS reflink supported: ${supported}`);
  assert.equal(typeof supported, "boolean");
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
});
