/**
 * The loopback image registry of a real-node environment: `crane registry serve` on a free
 * 127.0.0.1 port with its blobs in the environment's directory. Image `<registry>/<path>:<tag>`
 * is stored as `127.0.0.1:<port>/<registry>/<path>:<tag>`, which is where every node's
 * containerd looks for it (see `registryHostsToml`), so manifests keep their image names.
 */
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import {
  type DaemonProcess,
  freeLoopbackPorts,
  processAlive,
  run,
  spawnDaemon,
  tailFile,
  waitFor,
} from "../lib/mod.ts";
import { MIRRORED_REGISTRIES } from "./config.ts";

/** A running loopback registry. */
export interface LoopbackRegistry {
  port: number;
  /** Where the blobs are. */
  disk: string;
  process: DaemonProcess;
}

/**
 * Starts `crane registry serve` and waits until `/v2/` answers.
 *
 * @throws {FailedPreconditionError} when it exits or does not answer within 30 s
 */
export async function startRegistry(
  binDir: string,
  dir: string,
  record: (proc: DaemonProcess) => Promise<void>,
): Promise<LoopbackRegistry> {
  const disk = `${dir}/blobs`;
  await Deno.mkdir(disk, { recursive: true });
  const [port = 0] = freeLoopbackPorts(1);
  const proc = await spawnDaemon({
    name: "registry",
    command: `${binDir}/crane`,
    args: ["registry", "serve", "--address", `127.0.0.1:${port}`, "--disk", disk],
    logFile: `${dir}/registry.log`,
  });
  await record(proc);
  try {
    await waitFor(async () => {
      if (!(await processAlive(proc))) throw new FailedPreconditionError("it exited");
      const res = await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.ok;
    }, {
      timeoutMs: 30_000,
      intervalMs: 100,
      description: "the registry to answer",
      fatal: (e) => e instanceof FailedPreconditionError,
    });
  } catch (err) {
    throw new FailedPreconditionError(
      `Cannot start the loopback registry: ${err instanceof Error ? err.message : err}; ` +
        `last lines of "${proc.logFile}":\n${await tailFile(proc.logFile, 15)}`,
    );
  }
  return { port, disk, process: proc };
}

/**
 * The loopback reference of an image name: `ghcr.io/x/y:1` becomes `127.0.0.1:<port>/ghcr.io/x/y:1`,
 * and a Docker Hub short name (`busybox:1`) is first spelt out (`docker.io/library/busybox:1`).
 *
 * @throws {InvalidArgumentError} for a registry the nodes do not resolve to the loopback one
 */
export function loopbackRef(port: number, image: string): string {
  const full = fullImageName(image);
  const registry = full.slice(0, full.indexOf("/"));
  if (!MIRRORED_REGISTRIES.includes(registry)) {
    throw new InvalidArgumentError(
      `Invalid image "${image}": registry "${registry}" is not one of ` +
        `${MIRRORED_REGISTRIES.map((r) => `"${r}"`).join(", ")}`,
    );
  }
  return `127.0.0.1:${port}/${full}`;
}

/** An image name with its registry (and `library/` for Docker Hub short names). */
export function fullImageName(image: string): string {
  const first = image.split("/")[0] ?? "";
  const hasRegistry = image.includes("/") && /[.:]|^localhost$/.test(first);
  if (hasRegistry) return image;
  return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

/** What goes into a one-layer image built by {@link pushImage}. */
export interface ImageSpec {
  /** The image name pods use, such as `registry.k8s.io/pause:3.10`. */
  name: string;
  /** Host files copied into the image: host path → absolute path in the image. */
  files: Record<string, string>;
  /** Symbolic links in the image: link path → target. */
  links?: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
}

/**
 * Builds a one-layer linux/amd64 image from host files and pushes it under its loopback
 * reference (crane append onto an empty base, then mutate for platform and entrypoint).
 */
export async function pushImage(
  binDir: string,
  registry: LoopbackRegistry,
  spec: ImageSpec,
): Promise<string> {
  const ref = loopbackRef(registry.port, spec.name);
  const work = await Deno.makeTempDir({ prefix: "directpv-image-" });
  try {
    const root = `${work}/root`;
    for (const [from, to] of Object.entries(spec.files)) {
      await Deno.mkdir(`${root}${to.slice(0, to.lastIndexOf("/"))}`, { recursive: true });
      await Deno.copyFile(from, `${root}${to}`);
      await Deno.chmod(`${root}${to}`, (await Deno.stat(from)).mode ?? 0o755);
    }
    for (const [link, target] of Object.entries(spec.links ?? {})) {
      await Deno.mkdir(`${root}${link.slice(0, link.lastIndexOf("/"))}`, { recursive: true });
      await Deno.symlink(target, `${root}${link}`);
    }
    await Deno.mkdir(`${root}/tmp`, { recursive: true, mode: 0o1777 });
    const layer = `${work}/layer.tar`;
    await run("tar", ["--owner=0", "--group=0", "--numeric-owner", "-C", root, "-cf", layer, "."]);
    const crane = `${binDir}/crane`;
    await run(crane, ["append", "--insecure", "-f", layer, "-t", ref]);
    const mutate = ["mutate", "--insecure", ref, "--set-platform", "linux/amd64", "-t", ref];
    if (spec.entrypoint) mutate.push(`--entrypoint=${spec.entrypoint.join(",")}`);
    if (spec.cmd) mutate.push(`--cmd=${spec.cmd.join(",")}`);
    await run(crane, mutate);
    return ref;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Pushes an OCI or Docker image archive (such as the driver image build's) under `name`. */
export async function pushArchive(
  binDir: string,
  registry: LoopbackRegistry,
  archive: string,
  name: string,
): Promise<string> {
  const ref = loopbackRef(registry.port, name);
  await run(`${binDir}/crane`, ["push", "--insecure", archive, ref]);
  return ref;
}
