/** `install` (reference §1.4, DESIGN §3). */
import { Command, type CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { collect } from "../options/values.ts";
import { dryRunFlag } from "../options/flags.ts";
import type { InstalledObject } from "../../lib/admin/mod.ts";
import {
  DEFAULT_ORG,
  DEFAULT_REGISTRY,
  defaultInstallArgs,
  imageTagOf,
  type InstallArgs,
  installObjects,
  parseKubeVersion,
  parseNodeSelector,
  parseTolerations,
  type QuotaMode,
  type SnapshotControllerMode,
} from "../../lib/install/mod.ts";
import { UsageError } from "../exit_codes.ts";
import { parseManifestOutput } from "../options/output.ts";
import { renderManifest } from "../render/structured.ts";
import { renderTable } from "../render/table.ts";
import { progressFor, runArgs, type Runtime } from "./runtime.ts";

/** `install` flags as commander hands them over. */
export interface InstallFlags {
  nodeSelector?: string[] | undefined;
  tolerations?: string[] | undefined;
  registry?: string | undefined;
  org?: string | undefined;
  image?: string | undefined;
  imagePullSecrets?: string[] | undefined;
  apparmorProfile?: string | undefined;
  seccompProfile?: string | undefined;
  output?: string | undefined;
  kubeVersion?: string | undefined;
  legacy?: boolean | undefined;
  openshift?: boolean | undefined;
  declarative?: boolean | undefined;
  allowLoopDevices?: boolean | undefined;
  quota?: string | undefined;
  nodeDriverRegistrar?: boolean | undefined;
  separateNodeController?: boolean | undefined;
  capacityTracking?: boolean | undefined;
  retireDeletedNodes?: boolean | undefined;
  snapshotController?: string | undefined;
  dryRun?: boolean | undefined;
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function parseQuota(value: string | undefined): QuotaMode {
  if (value === undefined || value === "required" || value === "best-effort") {
    return value ?? "required";
  }
  throw new UsageError(`Invalid quota mode "${value}"; valid values are required|best-effort`);
}

const SNAPSHOT_CONTROLLER_MODES: readonly SnapshotControllerMode[] = ["auto", "yes", "no"];

function parseSnapshotController(value: string | undefined): SnapshotControllerMode {
  const mode = SNAPSHOT_CONTROLLER_MODES.find((m) => m === (value ?? "auto"));
  if (mode) return mode;
  throw new UsageError(
    `Invalid --snapshot-controller "${value}"; valid values are ${
      SNAPSHOT_CONTROLLER_MODES.join("|")
    }`,
  );
}

/**
 * The install arguments the flags describe. `--kube-version` is read only for manifest output
 * (a live install asks the server).
 */
export function installArgsFrom(
  flags: InstallFlags,
  version: string,
  env: Readonly<Record<string, string | undefined>>,
): InstallArgs {
  const base = defaultInstallArgs(version);
  const image = flags.image ?? base.image;
  const manifest = parseManifestOutput(flags.output) !== undefined || !!flags.declarative;
  return {
    ...base,
    image,
    imageTag: imageTagOf(image),
    registry: flags.registry ?? base.registry,
    org: flags.org ?? base.org,
    imagePullSecrets: (flags.imagePullSecrets ?? []).flatMap((s) => s.trim() ? [s.trim()] : []),
    nodeSelector: usage(() => parseNodeSelector(flags.nodeSelector ?? [])),
    tolerations: usage(() => parseTolerations(flags.tolerations ?? [])),
    kubeVersion: manifest && flags.kubeVersion
      ? usage(() => parseKubeVersion(flags.kubeVersion ?? ""))
      : base.kubeVersion,
    legacy: !!flags.legacy,
    openshift: !!flags.openshift,
    apparmorProfile: flags.apparmorProfile ?? "",
    seccompProfile: flags.seccompProfile ?? "",
    allowLoopDevices: !!flags.allowLoopDevices,
    quota: parseQuota(flags.quota),
    kubeletDir: env["KUBELET_DIR_PATH"] || base.kubeletDir,
    registrarSidecars: !!flags.nodeDriverRegistrar,
    separateNodeController: !!flags.separateNodeController,
    capacityTracking: flags.capacityTracking ?? true,
    retireDeletedNodes: !!flags.retireDeletedNodes,
    snapshotController: parseSnapshotController(flags.snapshotController),
  };
}

/** The `NAME | KIND | ACTION` table of a live install. */
export function renderInstalled(objects: readonly InstalledObject[]): string {
  return renderTable<InstalledObject>([
    { header: "NAME", cell: (o) => o.name },
    { header: "KIND", cell: (o) => o.kind },
    { header: "ACTION", cell: (o) => o.action },
  ], objects);
}

async function liveInstall(rt: Runtime, args: InstallArgs, dryRun: boolean): Promise<void> {
  const { ctx } = rt;
  const result = await ctx.admin.install(await rt.kube(), {
    args,
    ...runArgs(rt, { dryRun, reporter: progressFor(rt) }),
    ...(ctx.failpoint ? { checkpoint: ctx.failpoint } : {}),
    ...(ctx.homeDir !== undefined
      ? { audit: { files: ctx.files, dir: `${ctx.homeDir}/.directpv/audit`, now: ctx.now() } }
      : {}),
  });
  const terminal = rt.terminal();
  if (result.migration && result.migration.version !== undefined) {
    const m = result.migration;
    terminal.info(
      `Migrated ${m.drives.length} drive(s) and ${m.volumes.length} volume(s) from DirectCSI`,
    );
  }
  terminal.result(renderInstalled(result.objects));
  terminal.success(`DirectPV installed successfully${dryRun ? " (dry run)" : ""}`);
}

/** `install`: apply DirectPV to the cluster, or print its manifest with `-o yaml|json`. */
export function installCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("install")
    .description("Install DirectPV in Kubernetes (running it again upgrades the installation)")
    .option(
      "--node-selector <selectors>",
      "Select nodes for the node server (KEY=VALUE,..)",
      collect,
    )
    .option(
      "--tolerations <tolerations>",
      "Tolerations of the node server (KEY[=VALUE]:EFFECT,..)",
      collect,
    )
    .option("--registry <registry>", "Image registry", DEFAULT_REGISTRY)
    .option("--org <org>", "Image organization", DEFAULT_ORG)
    .option("--image <image>", `Driver image name:tag (default "directpv:${rt.ctx.version}")`)
    .option(
      "--image-pull-secrets <secrets>",
      "Image pull secrets (name,..)",
      collect,
    )
    .option("--apparmor-profile <profile>", "AppArmor profile of the node server")
    .option("--seccomp-profile <path>", "Seccomp localhost profile of the node server")
    .option("-o, --output <format>", "Print the manifest instead of installing: yaml|json")
    .option(
      "--kube-version <version>",
      "Kubernetes version the manifest targets (with -o)",
      "1.35.0",
    )
    .option("--legacy", "Include the DirectCSI legacy objects (with -o)")
    .option("--openshift", "Use OpenShift sidecar images")
    .option("--allow-loop-devices", "Let the node server use loop devices (test clusters)")
    .option("--quota <mode>", "XFS project quota: required|best-effort", "required")
    .option(
      "--node-driver-registrar",
      "Register with the kubelet through the node-driver-registrar and livenessprobe sidecars",
    )
    .option(
      "--separate-node-controller",
      "Run the node controllers in their own container instead of inside the node server",
    )
    .option(
      "--no-capacity-tracking",
      "Do not publish CSIStorageCapacity; the scheduler then ignores free space on nodes",
    )
    .option(
      "--retire-deleted-nodes",
      "Retire a node when its Node object is deleted: its volumes' PVs, PVCs and pods go",
    )
    .option(
      "--snapshot-controller <when>",
      "Add the VolumeSnapshot CRDs and a snapshot controller: auto (when the cluster has " +
        "none; no with -o)|yes|no",
      "auto",
    )
    .addOption(dryRunFlag("Send every write as a server-side dry run; nothing is persisted"))
    .addOption(new Option("--declarative", "Print the manifest as YAML").hideHelp())
    .action(async (opts) => {
      const flags: InstallFlags = opts;
      const output = parseManifestOutput(flags.output) ?? (flags.declarative ? "yaml" : undefined);
      const args = installArgsFrom(flags, rt.ctx.version, rt.ctx.env);
      if (output) {
        rt.terminal().result(renderManifest(installObjects(args), output));
        return;
      }
      await liveInstall(rt, args, !!flags.dryRun);
    });
}
