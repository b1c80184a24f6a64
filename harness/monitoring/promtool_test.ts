/**
 * The shipped alerts and dashboard in the real promtool (built into the tools cache by
 * harness/tools/build.sh): the rule file passes `promtool check rules`, the unit tests of
 * alerts_test.yaml pass `promtool test rules` and fail against a broken rule, and every
 * dashboard query parses as PromQL.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import {
  alertGroups,
  grafanaDashboard,
  NODE_SERVER_JOB,
  type Panel,
} from "../../lib/install/mod.ts";
import { run, testGate, toolsBinDir } from "../lib/mod.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const RULES = join(HERE, "../../manifests/monitoring/prometheus-rules.yaml");
const TESTS = join(HERE, "alerts_test.yaml");

const gate = await testGate("promtool checks", { tools: ["promtool"] });

async function promtool(args: string[]) {
  return await run(join(await toolsBinDir(), "promtool"), args, { allowFailure: true });
}

interface TestFile {
  "rule_files": string[];
  tests: { "alert_rule_test": { alertname: string; "exp_alerts": unknown[] }[] }[];
}

Deno.test({
  name: "promtool check rules accepts every shipped alert",
  ignore: gate.ignore,
  fn: async () => {
    gate.assert();
    const res = await promtool(["check", "rules", RULES]);
    const count = alertGroups().flatMap((g) => g.rules).length;
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, new RegExp(`SUCCESS: ${count} rules found`));
  },
});

Deno.test({
  name: "promtool test rules passes the unit test of every alert",
  ignore: gate.ignore,
  fn: async () => {
    gate.assert();
    const res = await promtool(["test", "rules", TESTS]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /SUCCESS/);
    const tests = parse(await Deno.readTextFile(TESTS)) as TestFile;
    const firing = new Set(
      tests.tests.flatMap((t) => t.alert_rule_test)
        .filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
    );
    for (const rule of alertGroups().flatMap((g) => g.rules)) {
      assert.ok(firing.has(rule.alert), `a test where ${rule.alert} fires`);
    }
  },
});

Deno.test({
  name: "promtool test rules fails when an alert is broken",
  ignore: gate.ignore,
  fn: async () => {
    gate.assert();
    const dir = await Deno.makeTempDir({ prefix: "directpv-promtool-" });
    try {
      const groups = alertGroups().map((g) => ({
        ...g,
        rules: g.rules.map((r) =>
          r.alert === "DirectPVDriveAlmostFull"
            ? { ...r, expr: r.expr.replace("> 0.9", "> 0.99") }
            : r
        ),
      }));
      await Deno.writeTextFile(join(dir, "rules.yaml"), stringify({ groups }));
      const tests = parse(await Deno.readTextFile(TESTS)) as TestFile;
      tests.rule_files = ["rules.yaml"];
      await Deno.writeTextFile(join(dir, "tests.yaml"), stringify(tests));
      const res = await promtool(["test", "rules", join(dir, "tests.yaml")]);
      assert.notEqual(res.code, 0);
      assert.match(res.stdout + res.stderr, /alertname: DirectPVDriveAlmostFull/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A dashboard query as plain PromQL: Grafana's variables replaced by values. */
function plainQuery(expr: string): string {
  return expr.replaceAll("$__rate_interval", "5m").replaceAll("$node", ".*");
}

Deno.test({
  name: "promtool parses every query of the Grafana dashboard",
  ignore: gate.ignore,
  fn: async () => {
    gate.assert();
    const panels = grafanaDashboard(NODE_SERVER_JOB).panels as Panel[];
    const rules = panels.flatMap((p) =>
      p.targets.map((t) => ({
        record: `dashboard:panel_${p.id}_${t.refId}`,
        expr: plainQuery(t.expr),
      }))
    );
    assert.ok(rules.length >= panels.length);
    const dir = await Deno.makeTempDir({ prefix: "directpv-promtool-" });
    try {
      const file = join(dir, "dashboard.yaml");
      await Deno.writeTextFile(file, stringify({ groups: [{ name: "dashboard", rules }] }));
      const res = await promtool(["check", "rules", file]);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
