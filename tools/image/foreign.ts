/**
 * A root filesystem for another architecture (arm64 on an amd64 builder), assembled without
 * running any of its code: `debootstrap --foreign` downloads the packages and unpacks the
 * essential ones; each remaining package is unpacked the way debootstrap unpacks (dpkg-deb's
 * data tar over the merged-/usr tree, no maintainer scripts). The few things those scripts
 * would have made and the driver needs are made here from the packages' own files: the CA
 * bundle, the account files and dpkg's status. Deno for that architecture comes from its npm
 * platform package.
 */
import { join } from "node:path";
import { run } from "./command.ts";

/** ELF `e_machine` values of the architectures we build for. */
export const ELF_MACHINE = { amd64: 0x3e, arm64: 0xb7 } as const;

/** Debian architecture → the npm package that carries Deno's binary for it. */
const DENO_NPM_PACKAGE: Readonly<Record<string, string>> = {
  amd64: "@deno/linux-x64-glibc",
  arm64: "@deno/linux-arm64-glibc",
};

/** The `e_machine` of an ELF file; throws when the file is not ELF. */
export async function elfMachine(path: string): Promise<number> {
  using file = await Deno.open(path);
  const head = new Uint8Array(20);
  const read = await file.read(head);
  const isElf = read === 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c &&
    head[3] === 0x46;
  if (!isElf) throw new Error(`"${path}" is not an ELF file`);
  const littleEndian = head[5] === 1;
  return new DataView(head.buffer).getUint16(18, littleEndian);
}

/** Throws unless `path` is an ELF file for `arch`. */
export async function assertElfArch(path: string, arch: keyof typeof ELF_MACHINE): Promise<void> {
  const machine = await elfMachine(path);
  if (machine !== ELF_MACHINE[arch]) {
    throw new Error(`"${path}" is for ELF machine ${machine}, not ${arch}`);
  }
}

/** The `.deb` files debootstrap downloaded into `root`, as it lists them. */
async function downloadedDebs(root: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(root, "debootstrap", "debpaths"));
  return text.trim().split("\n").map((line) => join(root, line.split(/\s+/)[1] ?? ""));
}

/** Unpacks a package's files over `root`, keeping the merged-/usr directory symlinks. */
function unpack(deb: string, root: string): Promise<string> {
  const script = 'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"';
  return run("sh", ["-c", script, "sh", deb, root]);
}

/** dpkg's status: each package's control fields, marked unpacked (no script ran). */
async function writeDpkgStatus(root: string, debs: readonly string[]): Promise<void> {
  const entries: string[] = [];
  for (const deb of debs) {
    const fields = (await run("dpkg-deb", ["--field", deb], { capture: true })).trimEnd();
    entries.push(fields.replace(/^(Package: .*)$/m, "$1\nStatus: install ok unpacked"));
  }
  await Deno.writeTextFile(join(root, "var/lib/dpkg/status"), `${entries.join("\n\n")}\n`);
}

/** What update-ca-certificates makes: the configuration and the bundle of every CA shipped. */
async function writeCaBundle(root: string): Promise<void> {
  const dir = join(root, "usr/share/ca-certificates");
  const listed = await run("find", [dir, "-name", "*.crt", "-type", "f"], { capture: true });
  const certs = listed.trim().split("\n").filter((p) => p !== "").sort()
    .map((p) => p.slice(dir.length + 1));
  if (certs.length === 0) throw new Error(`No CA certificates in "${dir}"`);
  await Deno.writeTextFile(join(root, "etc/ca-certificates.conf"), `${certs.join("\n")}\n`);
  const pems = await Promise.all(certs.map((c) => Deno.readTextFile(join(dir, c))));
  await Deno.mkdir(join(root, "etc/ssl/certs"), { recursive: true });
  await Deno.writeTextFile(
    join(root, "etc/ssl/certs/ca-certificates.crt"),
    pems.map((p) => p.endsWith("\n") ? p : `${p}\n`).join(""),
  );
}

/** What base-passwd's first configuration does: the account files from its masters. */
async function writeAccounts(root: string): Promise<void> {
  for (const name of ["passwd", "group"]) {
    const target = join(root, "etc", name);
    if (await Deno.stat(target).then(() => true, () => false)) continue;
    await Deno.copyFile(join(root, `usr/share/base-passwd/${name}.master`), target);
  }
}

/**
 * Completes a `debootstrap --foreign` tree in `root`: unpacks every downloaded package, writes
 * the files their scripts would have written, and removes debootstrap's own directory.
 */
export async function completeForeignRootfs(root: string): Promise<void> {
  const debs = await downloadedDebs(root);
  for (const deb of debs) await unpack(deb, root);
  await writeDpkgStatus(root, debs);
  await writeCaBundle(root);
  await writeAccounts(root);
  await Deno.remove(join(root, "debootstrap"), { recursive: true });
}

/**
 * Deno `version` for Debian architecture `arch`, from its npm platform package, cached in
 * `cacheDir`; returns the binary's path after checking its ELF machine.
 */
export async function denoForArch(
  cacheDir: string,
  arch: keyof typeof ELF_MACHINE,
  version: string,
): Promise<string> {
  const dir = join(cacheDir, `deno-npm-${arch}-${version}`);
  const binary = join(dir, "package", "deno");
  if (!await Deno.stat(binary).then((s) => s.isFile, () => false)) {
    const work = `${dir}.tmp-${Deno.pid}`;
    await Deno.mkdir(work, { recursive: true });
    try {
      const spec = `${DENO_NPM_PACKAGE[arch]}@${version}`;
      const packed = await run("npm", ["pack", "--silent", "--pack-destination", work, spec], {
        capture: true,
      });
      await run("tar", ["-xzf", join(work, packed.trim()), "-C", work, "package/deno"]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(work, dir);
    } catch (err) {
      await Deno.remove(work, { recursive: true }).catch(() => {});
      throw err;
    }
  }
  await assertElfArch(binary, arch);
  return binary;
}
