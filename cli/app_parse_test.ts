/**
 * Parse tests: argv → the exact arguments handed to the stubbed lib/admin operation, plus
 * the exit codes and messages of usage errors.
 */
import assert from "node:assert/strict";
import type { AdminApi } from "./admin_api.ts";
import { testCli } from "./testing.ts";

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";

/** Runs argv with one admin operation stubbed; returns its arguments without reporter/signal. */
async function argsOf(op: keyof AdminApi, ...argv: string[]): Promise<unknown> {
  let seen: unknown;
  const stub = (_kube: unknown, args: Record<string, unknown>) => {
    const { reporter: _r, signal: _s, uuid: _u, files: _f, ...rest } = args;
    seen = rest;
    return Promise.resolve(STUB_RESULTS[op] ?? []);
  };
  const cli = testCli({ admin: { [op]: stub } as Partial<AdminApi> });
  const code = await cli.run(...argv);
  // Empty stub results may end in "No matching resources found" (exit 1), never in a usage error.
  assert.notEqual(code, 2, `exit ${code}: ${cli.stderr()}`);
  assert.ok(seen !== undefined, `not called: ${cli.stderr()}`);
  return seen;
}

const STUB_RESULTS: Partial<Record<keyof AdminApi, unknown>> = {
  install: { objects: [] },
  migrate: {
    migration: {
      drives: [],
      volumes: [],
      errors: [],
      skipped: [],
      legacyDrives: [],
      legacyVolumes: [],
    },
    backups: [],
    removed: 0,
  },
  initDrives: { requestId: "r", results: [] },
};

Deno.test("parse: cordon and uncordon", async (t) => {
  await t.step("nodes with ellipsis, dry run", async () => {
    assert.deepEqual(await argsOf("cordon", "cordon", "-n", "node{1...2}", "--dry-run"), {
      query: { nodes: ["node1", "node2"] },
      dryRun: true,
    });
  });
  await t.step("drive ids and drive names", async () => {
    assert.deepEqual(
      await argsOf("uncordon", "uncordon", A, "-d", "/dev/sdb,sdc", "--status", "ready"),
      {
        query: { driveNames: ["sdb", "sdc"], driveIds: [A], statuses: ["Ready"] },
      },
    );
  });
  await t.step("--all clears every other selector", async () => {
    assert.deepEqual(await argsOf("cordon", "cordon", "--all", "-n", "x"), { query: {} });
  });
});

Deno.test("parse: list drives and list volumes", async (t) => {
  await t.step("no selector lists Ready drives", async () => {
    assert.deepEqual(await argsOf("listDrives", "list", "drives"), { statuses: ["Ready"] });
  });
  await t.step("parent flags before and after the subcommand", async () => {
    assert.deepEqual(
      await argsOf("listDrives", "list", "-n", "n1", "drives", "--status", "lost", "-d", "sdb"),
      {
        nodes: ["n1"],
        driveNames: ["sdb"],
        statuses: ["Lost"],
      },
    );
  });
  await t.step("aliases and labels", async () => {
    assert.deepEqual(await argsOf("listDrives", "list", "dr", "--labels", "tier=hot"), {
      labels: { "directpv.min.io/tier": "hot" },
    });
  });
  await t.step("--all", async () => {
    assert.deepEqual(
      await argsOf("listVolumes", "list", "volumes", "--all", "--status", "pending"),
      {},
    );
  });
  await t.step("volume filters", async () => {
    assert.deepEqual(
      await argsOf(
        "listVolumes",
        "list",
        "vol",
        "pvc-1",
        "--drive-id",
        A,
        "--pod-names",
        "minio-{0...1}",
        "--pod-namespaces",
        "tenant",
      ),
      {
        driveIds: [A],
        podNames: ["minio-0", "minio-1"],
        podNamespaces: ["tenant"],
        volumeNames: ["pvc-1"],
      },
    );
  });
});

Deno.test("parse: label drives and label volumes", async (t) => {
  await t.step("drives", async () => {
    assert.deepEqual(
      await argsOf("labelDrives", "label", "drives", "tier=hot", "old-", "--ids", A),
      {
        query: { driveIds: [A] },
        changes: [{ key: "directpv.min.io/tier", value: "hot" }, { key: "directpv.min.io/old" }],
      },
    );
  });
  await t.step("volumes with parent flags and dry run", async () => {
    assert.deepEqual(
      await argsOf("labelVolumes", "label", "--dry-run", "-n", "n1", "volumes", "app=x"),
      {
        query: { nodes: ["n1"] },
        changes: [{ key: "directpv.min.io/app", value: "x" }],
        dryRun: true,
      },
    );
  });
});

Deno.test("parse: suspend and resume", async (t) => {
  await t.step("suspend drives", async () => {
    assert.deepEqual(await argsOf("suspendDrives", "suspend", "drives", A, "--dangerous"), {
      query: { driveIds: [A] },
    });
  });
  await t.step("suspend volumes with dry run", async () => {
    assert.deepEqual(
      await argsOf(
        "suspendVolumes",
        "suspend",
        "--dry-run",
        "volumes",
        "--pod-names",
        "p",
        "--dangerous",
      ),
      { query: { podNames: ["p"] }, dryRun: true },
    );
  });
  await t.step("resume drives and volumes", async () => {
    assert.deepEqual(await argsOf("resumeDrives", "resume", "drives", "-n", "n1"), {
      query: { nodes: ["n1"] },
    });
    assert.deepEqual(await argsOf("resumeVolumes", "resume", "volumes", "pvc-1"), {
      query: { volumeNames: ["pvc-1"] },
    });
  });
});

Deno.test("parse: remove, clean, move, repair, migrate, uninstall", async (t) => {
  await t.step("remove", async () => {
    assert.deepEqual(await argsOf("removeDrives", "remove", "--status", "lost", "--dry-run"), {
      query: { statuses: ["Lost"] },
      dryRun: true,
    });
  });
  await t.step("clean", async () => {
    assert.deepEqual(await argsOf("clean", "clean", "--drive-id", A, "--dry-run"), {
      query: { driveIds: [A] },
      dryRun: true,
    });
  });
  await t.step("move", async () => {
    assert.deepEqual(await argsOf("moveDrive", "mv", A, B), { source: A, destination: B });
  });
  await t.step("repair", async () => {
    assert.deepEqual(
      await argsOf("repair", "repair", A, "--force", "--disable-prefetch", "--dry-run"),
      {
        driveIds: [A],
        force: true,
        disablePrefetch: true,
        dryRun: true,
      },
    );
  });
  await t.step("migrate", async () => {
    assert.deepEqual(await argsOf("migrate", "migrate", "--retain", "--dry-run"), {
      retain: true,
      backupDir: "/work",
      now: new Date("2025-01-02T03:04:05.678Z"),
      dryRun: true,
    });
  });
  await t.step("uninstall", async () => {
    assert.deepEqual(await argsOf("uninstall", "uninstall", "--dangerous"), { dangerous: true });
  });
  await t.step("move-data", async () => {
    assert.deepEqual(
      await argsOf("moveData", "move-data", A, B, "--wait", "--timeout", "90s", "--dry-run"),
      { from: A, to: B, wait: true, timeoutMs: 90_000, dryRun: true },
    );
  });
  await t.step("remove-node", async () => {
    const args = await argsOf(
      "removeNode",
      "remove-node",
      "node1",
      "--delete-pvcs",
      "--force",
      "--dry-run",
    ) as Record<string, unknown>;
    const { now, ...rest } = args;
    assert.equal(typeof now, "function");
    assert.deepEqual(rest, { node: "node1", force: true, deleteClaims: true, dryRun: true });
  });
});

Deno.test("parse: discover and init", async (t) => {
  await t.step("discover", async () => {
    assert.deepEqual(await argsOf("discover", "discover", "-n", "n{1...2}", "--timeout", "30s"), {
      nodes: ["n1", "n2"],
      timeoutMs: 30_000,
    });
  });
  await t.step("init", async () => {
    let seen: unknown;
    const cli = testCli({
      admin: {
        initDrives: (_k, args) => {
          seen = { config: args.config, timeoutMs: args.timeoutMs };
          return Promise.resolve({ requestId: "r", results: [] });
        },
      },
    });
    await cli.files.writeText("/work/drives.yaml", "version: v1\nnodes:\n  - name: n1\n");
    assert.equal(await cli.run("init", "drives.yaml", "--dangerous", "--timeout", "1m"), 0);
    assert.deepEqual(seen, {
      config: { version: "v1", nodes: [{ name: "n1" }] },
      timeoutMs: 60_000,
    });
  });
});

Deno.test("parse: install flags", async () => {
  const args = await argsOf(
    "install",
    "install",
    "--node-selector",
    "disk=nvme",
    "--tolerations",
    "key=value:NoSchedule,other:NoExecute",
    "--registry",
    "r.example",
    "--org",
    "acme",
    "--image",
    "directpv:v9",
    "--image-pull-secrets",
    "s1",
    "--apparmor-profile",
    "ap",
    "--seccomp-profile",
    "sp.json",
    "--openshift",
    "--allow-loop-devices",
    "--quota",
    "best-effort",
    "--node-driver-registrar",
    "--separate-node-controller",
    "--no-capacity-tracking",
    "--retire-deleted-nodes",
    "--snapshot-controller",
    "no",
    "--dry-run",
  ) as { args: Record<string, unknown>; dryRun: boolean; audit: unknown };
  assert.ok(args.dryRun);
  assert.deepEqual(args.args, {
    image: "directpv:v9",
    imageTag: "v9",
    registry: "r.example",
    org: "acme",
    imagePullSecrets: ["s1"],
    nodeSelector: { disk: "nvme" },
    tolerations: [
      { key: "key", operator: "Equal", value: "value", effect: "NoSchedule" },
      { key: "other", operator: "Exists", effect: "NoExecute" },
    ],
    kubeVersion: { major: 1, minor: 35 },
    legacy: false,
    openshift: true,
    apparmorProfile: "ap",
    seccompProfile: "sp.json",
    allowLoopDevices: true,
    quota: "best-effort",
    kubeletDir: "/var/lib/kubelet",
    registrarSidecars: true,
    separateNodeController: true,
    capacityTracking: false,
    retireDeletedNodes: true,
    snapshotController: "no",
  });
  const { files: _files, ...audit } = args.audit as Record<string, unknown>;
  assert.deepEqual(audit, {
    dir: "/home/user/.directpv/audit",
    now: new Date("2025-01-02T03:04:05.678Z"),
  });
});

Deno.test("parse: global --kubeconfig and --context reach the connection", async () => {
  const cli = testCli({ admin: { cordon: () => Promise.resolve([]) } });
  assert.equal(await cli.run("--kubeconfig", "/k.yaml", "cordon", "--all", "--context", "prod"), 0);
  assert.deepEqual(cli.targets, [{ kubeconfig: "/k.yaml", context: "prod" }]);
});
