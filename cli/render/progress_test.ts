import assert from "node:assert/strict";
import { testCli } from "../testing.ts";
import { Terminal } from "./terminal.ts";
import { progressMode, progressReporter } from "./progress.ts";

Deno.test("progressMode() is off when quiet or structured, a bar only on a terminal", () => {
  assert.equal(progressMode({ quiet: true, structured: false, isTTY: true }), "off");
  assert.equal(progressMode({ quiet: false, structured: true, isTTY: true }), "off");
  assert.equal(progressMode({ quiet: false, structured: false, isTTY: true }), "bar");
  assert.equal(progressMode({ quiet: false, structured: false, isTTY: false }), "lines");
});

Deno.test("progressReporter() in lines mode prints finished units only", () => {
  const cli = testCli();
  const reporter = progressReporter({
    mode: "lines",
    terminal: new Terminal(cli.ctx, { quiet: false }),
    stderr: cli.ctx.stderr,
  });
  reporter.begin?.(2);
  reporter.update?.("a", "active", "Discovering node 'a'");
  reporter.update?.("a", "done", "Discovered node 'a'");
  reporter.update?.("b", "failed", "Node 'b' did not report");
  reporter.info("note");
  reporter.end?.();
  assert.equal(cli.stderr(), "Discovered node 'a' ✔\nNode 'b' did not report ✘\nnote\n");
});

Deno.test("progressReporter() in bar mode draws a bar and keeps finished lines above it", () => {
  const cli = testCli({ tty: true });
  const reporter = progressReporter({
    mode: "bar",
    terminal: new Terminal(cli.ctx, { quiet: false }),
    stderr: cli.ctx.stderr,
    columns: 100,
  });
  reporter.begin?.(2);
  reporter.update?.("a", "active", "Discovering node 'a'");
  reporter.update?.("a", "done", "Discovered node 'a'");
  reporter.warn("careful");
  reporter.end?.();
  const out = cli.stderr();
  assert.match(out, /Discovered node 'a' .*✔/);
  assert.match(out, /careful/);
  assert.match(out, /50%/);
});

Deno.test("progressReporter() off still logs through the terminal, and --quiet silences it", () => {
  const cli = testCli();
  const off = progressReporter({
    mode: "off",
    terminal: new Terminal(cli.ctx, { quiet: false }),
    stderr: cli.ctx.stderr,
  });
  off.update?.("a", "done", "x");
  off.info("shown");
  const quiet = progressReporter({
    mode: "off",
    terminal: new Terminal(cli.ctx, { quiet: true }),
    stderr: cli.ctx.stderr,
  });
  quiet.info("hidden");
  assert.equal(cli.stderr(), "shown\n");
});
