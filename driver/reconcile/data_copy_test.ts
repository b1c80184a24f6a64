import assert from "node:assert/strict";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { FakeHost } from "../../lib/sys/testing.ts";
import { COPY_ARGS, copyTree, verifyCopy } from "./data_copy.ts";

/** A tree as find -printf prints it: path, type, mode, uid, gid, size, inode, target. */
function tree(rows: string[][]): string {
  return rows.map((r) => `${r.join("\0")}\0\n`).join("");
}

const SRC_TREE = [
  ["a.bin", "f", "644", "0", "0", "5", "11", ""],
  ["link.bin", "f", "644", "0", "0", "5", "11", ""],
  ["sub", "d", "750", "1234", "5678", "6", "12", ""],
  ["sub/n.txt", "f", "640", "1234", "5678", "3", "13", ""],
  ["ln", "l", "777", "0", "0", "9", "14", "sub/n.txt"],
];

interface Script {
  dstTree?: string[][];
  dstAttrs?: string;
  dstSums?: Record<string, string>;
}

function scripted(host: FakeHost, script: Script): void {
  const sums: Record<string, string> = { "a.bin": "aa", "link.bin": "aa", "sub/n.txt": "bb" };
  host.onExec("find", (call) => ({
    stdout: tree(call.args[0] === "/src" ? SRC_TREE : script.dstTree ?? SRC_TREE),
  }));
  host.onExec("getfattr", (call) => {
    const dir = call.args.at(-1) ?? "";
    const attrs = dir === "/src" ? "user.origin=0x61" : script.dstAttrs ?? "user.origin=0x61";
    return { stdout: `# file: ${dir}/a.bin\n${attrs}\n\n` };
  });
  host.onExec("sha256sum", (call) => {
    const files = call.args.slice(1);
    const lines = files.map((f) => {
      const [dir = "", ...rest] = f.slice(1).split("/");
      const rel = rest.join("/");
      const table = dir === "src" ? sums : { ...sums, ...script.dstSums };
      return `${table[rel]}  ${f}`;
    });
    return { stdout: `${lines.join("\n")}\n` };
  });
}

async function verdict(script: Script): Promise<string> {
  const host = await FakeHost.create();
  try {
    scripted(host, script);
    const result = await verifyCopy(host, "/src", "/dst");
    return `ok ${result.files} files ${result.bytes} bytes`;
  } catch (err) {
    assert.ok(err instanceof FailedPreconditionError, String(err));
    return err.message;
  } finally {
    await host.dispose();
  }
}

Deno.test("verifyCopy() passes a faithful copy and names the first difference", async (t) => {
  await t.step("faithful", async () => assert.equal(await verdict({}), "ok 3 files 13 bytes"));
  const cases: Array<[string, Script, RegExp]> = [
    ["mode", {
      dstTree: SRC_TREE.map((r) =>
        r[0] === "sub/n.txt" ? [...r.slice(0, 2), "644", ...r.slice(3)] : r
      ),
    }, /"sub\/n.txt" is f mode 640 owner 1234:5678 size 3 but the copy is f mode 644/],
    ["owner", {
      dstTree: SRC_TREE.map((r) => r[0] === "sub" ? [...r.slice(0, 3), "0", ...r.slice(4)] : r),
    }, /"sub" is d mode 750 owner 1234:5678/],
    ["missing entry", { dstTree: SRC_TREE.slice(0, 4) }, /"ln" is l .* but the copy is missing/],
    ["hard link broken", {
      dstTree: SRC_TREE.map((r) => r[0] === "link.bin" ? [...r.slice(0, 6), "99", ""] : r),
    }, /hard links differ/],
    ["xattr lost", { dstAttrs: "" }, /extended attributes of "a.bin" differ/],
    ["content", { dstSums: { "sub/n.txt": "cc" } }, /contents of "sub\/n.txt" differ/],
  ];
  for (const [what, script, pattern] of cases) {
    await t.step(what, async () => assert.match(await verdict(script), pattern));
  }
});

Deno.test("copyTree() clears a leftover copy, then copies keeping links, owners, xattrs, holes", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("rm", {});
    host.onExec("cp", {});
    await copyTree(host, "/src", "/dst");
    assert.deepEqual(host.execCalls.map((c) => [c.command, ...c.args]), [
      ["rm", "-rf", "--one-file-system", "--", "/dst"],
      ["cp", ...COPY_ARGS, "/src", "/dst"],
    ]);
    assert.ok(COPY_ARGS.includes("--preserve=mode,ownership,timestamps,links,xattr"));
    assert.ok(COPY_ARGS.includes("--sparse=always"));
  } finally {
    await host.dispose();
  }
});
