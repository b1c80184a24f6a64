/**
 * The Helm chart against `install -o yaml`: for each case the real `helm template` renders the
 * chart with values and the CLI prints its manifest with the matching flags, and the two sets
 * of objects must be equal object by object (parsed, not as text). `helm lint` passes, and the
 * chart's schema refuses bad values naming them.
 *
 * helm comes from the tool cache (`harness/tools/build.sh helm`) or DIRECTPV_HELM.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { builtTool } from "../lib/mod.ts";
import { parseAllDocuments } from "yaml";
import { testCli } from "../../cli/testing.ts";

const CHART = fileURLToPath(new URL("../../manifests/helm/directpv", import.meta.url));

const HELM = await builtTool("helm", "DIRECTPV_HELM");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function helm(...args: string[]): Promise<Result> {
  const out = await new Deno.Command(HELM, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

type K8sObject = { kind: string; metadata: { name: string } };

/** The objects of a YAML stream by `Kind/name` (empty documents dropped). */
function byKey(yaml: string): Map<string, K8sObject> {
  const objects = parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  const map = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  assert.equal(map.size, objects.length, "Two objects share a kind and name");
  return map;
}

async function renderChart(values: object, kubeVersion: string): Promise<Map<string, K8sObject>> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(values));
    const out = await helm(
      "template",
      "directpv",
      CHART,
      "--kube-version",
      kubeVersion,
      "-f",
      file,
    );
    assert.equal(out.code, 0, out.stderr);
    return byKey(out.stdout);
  } finally {
    await Deno.remove(file);
  }
}

async function renderInstall(
  flags: readonly string[],
  kubeVersion: string,
  env: Record<string, string> = {},
): Promise<Map<string, K8sObject>> {
  const cli = testCli({ env });
  const code = await cli.run("install", "-o", "yaml", "--kube-version", kubeVersion, ...flags);
  assert.equal(code, 0, cli.stderr());
  return byKey(cli.stdout());
}

function assertSameObjects(chart: Map<string, K8sObject>, install: Map<string, K8sObject>): void {
  assert.deepEqual([...chart.keys()].sort(), [...install.keys()].sort());
  for (const [key, object] of install) assert.deepEqual(chart.get(key), object, key);
}

interface Case {
  name: string;
  kube: string;
  flags: string[];
  env?: Record<string, string>;
  values: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: "defaults", kube: "1.35.0", flags: [], values: {} },
  {
    name: "a mirror registry, image, pull secrets, node selector and tolerations",
    kube: "1.30.2",
    flags: [
      "--registry=mirror.example:5000",
      "--org=storage/",
      "--image=directpv:v4.2.0-rc1",
      "--image-pull-secrets=pull-a,pull-b",
      "--node-selector=disk=nvme,zone=a",
      "--tolerations=dedicated=storage:NoSchedule,gpu:NoExecute",
    ],
    values: {
      registry: "mirror.example:5000",
      org: "storage/",
      image: "directpv:v4.2.0-rc1",
      imagePullSecrets: ["pull-a", "pull-b"],
      nodeSelector: { disk: "nvme", zone: "a" },
      tolerations: [
        { key: "dedicated", operator: "Equal", value: "storage", effect: "NoSchedule" },
        { key: "gpu", operator: "Exists", effect: "NoExecute" },
      ],
    },
  },
  {
    name: "MinIO's images, legacy objects, an image without a tag",
    kube: "1.24.5",
    flags: ["--registry=quay.io", "--org=minio", "--image=directpv", "--legacy"],
    values: { registry: "quay.io", org: "minio", image: "directpv", legacy: true },
  },
  {
    name: "openshift, AppArmor, seccomp, the registrar sidecars, no capacity tracking",
    kube: "1.35.0",
    flags: [
      "--openshift",
      "--apparmor-profile=directpv",
      "--seccomp-profile=profiles/directpv.json",
      "--node-driver-registrar",
      "--no-capacity-tracking",
    ],
    values: {
      openshift: true,
      apparmorProfile: "directpv",
      seccompProfile: "profiles/directpv.json",
      nodeDriverRegistrar: true,
      capacityTracking: false,
    },
  },
  {
    name:
      "loop devices, best-effort quota, another kubelet directory, node controllers apart, node retirement on Kubernetes 1.19",
    kube: "1.19.16",
    flags: [
      "--allow-loop-devices",
      "--quota=best-effort",
      "--separate-node-controller",
      "--retire-deleted-nodes",
    ],
    env: { KUBELET_DIR_PATH: "/var/lib/k0s//kubelet/" },
    values: {
      allowLoopDevices: true,
      quota: "best-effort",
      kubeletDir: "/var/lib/k0s//kubelet/",
      separateNodeController: true,
      retireDeletedNodes: true,
    },
  },
  {
    name: "Kubernetes 1.15 (v1beta1 storage objects, the old provisioner), legacy, registrar",
    kube: "1.15.0",
    flags: ["--legacy", "--node-driver-registrar", "--registry=", "--org="],
    values: { legacy: true, nodeDriverRegistrar: true, registry: "", org: "" },
  },
  {
    name: "Kubernetes 1.36, registrar sidecars with MinIO's images and legacy objects",
    kube: "1.36.3",
    flags: ["--registry=quay.io", "--org=minio", "--legacy", "--node-driver-registrar"],
    values: { registry: "quay.io", org: "minio", legacy: true, nodeDriverRegistrar: true },
  },
];

for (const c of CASES) {
  Deno.test(`helm template equals install -o yaml: ${c.name}`, async () => {
    const chart = await renderChart(c.values, c.kube);
    const install = await renderInstall(c.flags, c.kube, c.env);
    assertSameObjects(chart, install);
  });
}

Deno.test("the comparison tells a different setting apart", async () => {
  const chart = await renderChart({ quota: "best-effort" }, "1.35.0");
  const install = await renderInstall([], "1.35.0");
  assert.throws(() => assertSameObjects(chart, install), /DaemonSet\/node-server/);
});

Deno.test("helm lint passes with the default values and with every option set", async () => {
  const plain = await helm("lint", "--strict", CHART);
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const all = CASES.reduce((values, c) => ({ ...values, ...c.values }), {});
    await Deno.writeTextFile(file, JSON.stringify(all));
    const full = await helm("lint", "--strict", CHART, "-f", file);
    assert.equal(full.code, 0, full.stdout + full.stderr);
    assert.match(full.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the chart refuses an unknown quota mode and an unknown value, naming them", async () => {
  const quota = await helm("template", "directpv", CHART, "--set", "quota=strict");
  assert.notEqual(quota.code, 0);
  assert.match(quota.stderr, /quota/);
  const typo = await helm("template", "directpv", CHART, "--set", "nodeSelectors.disk=nvme");
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /nodeSelectors/);
});
