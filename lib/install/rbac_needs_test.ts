/**
 * Every permission of the ServiceAccount is tied to what needs it: for our own code, the
 * source that makes the call; for a sidecar, the container (and the flag) that makes it use
 * the resource. A need whose evidence is gone fails here, so the ClusterRole shrinks with
 * the code instead of keeping grants nobody uses.
 */
import assert from "node:assert/strict";
import { controllerDeployment, defaultInstallArgs, type InstallArgs } from "./mod.ts";
import { applicableNeeds, RBAC_NEEDS, type RbacNeed } from "./rbac_needs.ts";
import { namespaceObject } from "./rbac.ts";

const ROOT = new URL("../../", import.meta.url);
const ARGS = defaultInstallArgs("v4.2.0");

/** Source files and what each must contain for the need to be real. */
type SourceEvidence = Record<string, RegExp[]>;

/** Our code's calls, by `who:resources`. */
const SOURCE: Record<string, SourceEvidence> = {
  "controller:persistentvolumes": {
    "driver/node_retirer.ts": [/removeNode\(kube/],
    "lib/admin/remove_node.ts": [
      /kube\.persistentVolumes\.get/,
      /deleteWithFinalizers\(kube\.persistentVolumes/,
      /client\.patch\(name, \{ metadata: \{ finalizers: null \} \}/,
    ],
  },
  "controller:persistentvolumeclaims": {
    "lib/admin/remove_node.ts": [/deleteWithFinalizers\(kube\.persistentVolumeClaims/],
  },
  "controller:pods": {
    "lib/admin/remove_node.ts": [/kube\.pods\.listAll/, /kube\.pods\.delete/],
  },
  "controller:nodes": { "driver/node_retirer.ts": [/new Informer<AnyObject>\(kube\.coreNodes/] },
  "controller:events": { "driver/events.ts": [/kube\.events\.create\(/] },
  "node-server:pods": { "driver/csi/node_publish.ts": [/deps\.kube\.pods\.get\(/] },
  "node-server:directpvdrives,directpvvolumes,directpvnodes,directpvinitrequests,directpvsnapshots":
    {
      "driver/csi/controller_reserve.ts": [/updateByPatch\(deps\.kube\.drives/],
      "driver/csi/controller_create.ts": [/kube\.volumes\.create\(/, /kube\.volumes\.update\(/],
    },
};

function containerArgs(args: InstallArgs, name: string): string[] | undefined {
  const containers = controllerDeployment(args).spec.template.spec.containers;
  return containers.find((c) => c.name === name)?.args;
}

/** The flag a sidecar's use of a resource depends on, when one does. */
const SIDECAR_FLAGS: Record<string, string> = {
  "csi-provisioner:csistoragecapacities": "--enable-capacity",
  "csi-provisioner:replicasets": "--capacity-ownerref-level=2",
  "csi-provisioner:nodes": "--strict-topology",
  "csi-provisioner:csinodes": "--feature-gates=Topology=true",
};

const keyOf = (n: RbacNeed) => `${n.who}:${n.resources.join(",")}`;

Deno.test("every need of our own code is a call the code makes", async (t) => {
  for (const need of RBAC_NEEDS.filter((n) => n.who === "controller" || n.who === "node-server")) {
    await t.step(keyOf(need), async () => {
      const evidence = SOURCE[keyOf(need)];
      assert.ok(evidence, `no source evidence recorded for ${keyOf(need)}`);
      for (const [file, patterns] of Object.entries(evidence)) {
        const text = await Deno.readTextFile(new URL(file, ROOT));
        for (const p of patterns) assert.match(text, p, `${file} no longer makes the call`);
      }
    });
  }
});

Deno.test("every sidecar need belongs to a container install runs, with its flag", async (t) => {
  const variants: InstallArgs[] = [
    ARGS,
    { ...ARGS, capacityTracking: false },
    { ...ARGS, retireDeletedNodes: true },
  ];
  for (const args of variants) {
    for (const need of applicableNeeds(args)) {
      if (need.who !== "csi-provisioner" && need.who !== "csi-resizer") continue;
      await t.step(`${keyOf(need)} (capacity ${args.capacityTracking})`, () => {
        const flags = containerArgs(args, need.who);
        assert.ok(flags, `install runs no ${need.who}`);
        const flag = SIDECAR_FLAGS[keyOf(need)];
        if (flag) assert.ok(flags.includes(flag), `${need.who} runs without ${flag}`);
      });
    }
  }
  const without = { ...ARGS, capacityTracking: false };
  assert.ok(!containerArgs(without, "csi-provisioner")?.includes("--enable-capacity"));
  assert.ok(!applicableNeeds(without).some((n) => n.resources.includes("csistoragecapacities")));
});

Deno.test("PodSecurityPolicy use is granted exactly where the namespace has no pod-security label", () => {
  for (let minor = 18; minor <= 36; minor++) {
    const args = { ...ARGS, kubeVersion: { major: 1, minor } };
    const labelled = namespaceObject(args).metadata.labels?.["pod-security.kubernetes.io/enforce"];
    const psp = applicableNeeds(args).some((n) => n.resources.includes("podsecuritypolicies"));
    assert.equal(psp, labelled === undefined, `1.${minor}`);
  }
});

Deno.test("the retirement's grants exist only with --retire-deleted-nodes", () => {
  const retiring = RBAC_NEEDS.filter((n) => n.why.startsWith("--retire-deleted-nodes"));
  assert.ok(retiring.length > 0);
  for (const need of retiring) {
    assert.ok(!applicableNeeds(ARGS).includes(need), keyOf(need));
    assert.ok(applicableNeeds({ ...ARGS, retireDeletedNodes: true }).includes(need));
  }
  assert.ok(
    containerArgs({ ...ARGS, retireDeletedNodes: true }, "controller")?.includes(
      "--retire-deleted-nodes",
    ),
  );
});
