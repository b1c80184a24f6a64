/**
 * Copying a volume's data directory from one drive to another on the same node, and proving
 * the copy: the same tree (paths, types, modes, owners, sizes, symlink targets), the same hard
 * links, the same extended attributes and the same bytes (SHA-256 of every file). The copy is
 * GNU cp keeping modes, owners, timestamps, hard links and xattrs, writing holes as holes.
 */
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { Host } from "../../lib/sys/mod.ts";

/** One entry of a tree, as find prints it. */
interface TreeEntry {
  path: string;
  type: string;
  mode: string;
  uid: string;
  gid: string;
  size: number;
  inode: string;
  target: string;
}

/** find's format: relative path, type, mode, uid, gid, size, inode, symlink target. */
const FIND_FORMAT = "%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%i\\0%l\\0\\n";

/** `cp` flags: recursive, no dereferencing, the metadata that makes a faithful copy. */
export const COPY_ARGS = [
  "-dR",
  "--preserve=mode,ownership,timestamps,links,xattr",
  "--sparse=always",
  "--no-target-directory",
];

async function listTree(host: Host, dir: string): Promise<TreeEntry[]> {
  const res = await host.exec.run("find", [dir, "-mindepth", "1", "-printf", FIND_FORMAT]);
  const entries = res.stdout.split("\0\n").filter((l) => l !== "").map((line) => {
    const [
      path = "",
      type = "",
      mode = "",
      uid = "",
      gid = "",
      size = "0",
      inode = "",
      target = "",
    ] = line.split("\0");
    return { path, type, mode, uid, gid, size: Number(size), inode, target };
  });
  return entries.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Paths that share an inode, as sorted groups: the hard-link structure of a tree. */
function linkGroups(entries: readonly TreeEntry[]): string[] {
  const byInode = new Map<string, string[]>();
  for (const e of entries.filter((e) => e.type === "f")) {
    byInode.set(e.inode, [...(byInode.get(e.inode) ?? []), e.path]);
  }
  return [...byInode.values()].filter((g) => g.length > 1).map((g) => g.sort().join("|")).sort();
}

/** SHA-256 of every regular file, by relative path. */
async function checksums(host: Host, dir: string, entries: readonly TreeEntry[]) {
  const files = entries.filter((e) => e.type === "f").map((e) => `${dir}/${e.path}`);
  const sums = new Map<string, string>();
  for (let i = 0; i < files.length; i += 200) {
    const res = await host.exec.run("sha256sum", ["--", ...files.slice(i, i + 200)]);
    for (const line of res.stdout.split("\n").filter((l) => l !== "")) {
      const [hash = "", ...rest] = line.split("  ");
      sums.set(rest.join("  ").slice(dir.length + 1), hash);
    }
  }
  return sums;
}

/** Every extended attribute (any namespace, symlinks not followed), by relative path. */
async function xattrs(host: Host, dir: string): Promise<Map<string, string>> {
  const res = await host.exec.run("getfattr", [
    "--recursive",
    "--physical",
    "--dump",
    "--match=-",
    "--encoding=hex",
    "--absolute-names",
    dir,
  ]);
  const out = new Map<string, string>();
  for (const block of res.stdout.split("\n\n")) {
    const [head = "", ...attrs] = block.split("\n").filter((l) => l !== "");
    if (!head.startsWith("# file: ")) continue;
    const path = head.slice("# file: ".length).slice(dir.length + 1);
    out.set(path, attrs.sort().join("\n"));
  }
  return out;
}

function describeEntry(e: TreeEntry | undefined): string {
  return e ? `${e.type} mode ${e.mode} owner ${e.uid}:${e.gid} size ${e.size}` : "missing";
}

function compareEntries(src: TreeEntry[], dst: TreeEntry[]): string | undefined {
  const byPath = new Map(dst.map((e) => [e.path, e]));
  for (const s of src) {
    const d = byPath.get(s.path);
    const same = d && d.type === s.type && d.mode === s.mode && d.uid === s.uid &&
      d.gid === s.gid && (s.type === "d" || d.size === s.size) && d.target === s.target;
    if (!same) return `"${s.path}" is ${describeEntry(s)} but the copy is ${describeEntry(d)}`;
  }
  if (dst.length !== src.length) return `the copy has ${dst.length - src.length} extra entries`;
  return undefined;
}

function compareMaps(what: string, a: Map<string, string>, b: Map<string, string>) {
  for (const [path, value] of a) {
    if (b.get(path) !== value) return `${what} of "${path}" differ`;
  }
  return a.size === b.size ? undefined : `${what} differ in number (${a.size} vs ${b.size})`;
}

/**
 * Checks that `dst` is a faithful copy of `src`; returns the bytes and files of the tree.
 *
 * @throws {FailedPreconditionError} naming the first difference
 */
export async function verifyCopy(
  host: Host,
  src: string,
  dst: string,
): Promise<{ bytes: number; files: number }> {
  const [a, b] = [await listTree(host, src), await listTree(host, dst)];
  const problem = compareEntries(a, b) ??
    (linkGroups(a).join() === linkGroups(b).join() ? undefined : "hard links differ") ??
    compareMaps("extended attributes", await xattrs(host, src), await xattrs(host, dst)) ??
    compareMaps("contents", await checksums(host, src, a), await checksums(host, dst, b));
  if (problem) throw new FailedPreconditionError(`Copy of "${src}" is not faithful: ${problem}`);
  const files = a.filter((e) => e.type === "f");
  return { bytes: files.reduce((n, e) => n + e.size, 0), files: files.length };
}

/** Apparent size of a tree in bytes (`du -sb`). */
export async function treeBytes(host: Host, dir: string): Promise<number> {
  const res = await host.exec.run("du", ["-sb", dir]);
  return Number(res.stdout.split("\t")[0] ?? "0");
}

/** Copies `src` to `dst` (a fresh directory: a leftover one from a cut-short run goes first). */
export async function copyTree(host: Host, src: string, dst: string): Promise<void> {
  await host.exec.run("rm", ["-rf", "--one-file-system", "--", dst]);
  await host.exec.run("cp", [...COPY_ARGS, src, dst]);
}
