import assert from "node:assert/strict";
import { formatMountInfo, mergeMountInfo, parseMountInfo } from "./mountinfo.ts";

const SAMPLE = [
  "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro",
  "36 22 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - xfs /dev/sdb rw,attr2,inode64,prjquota",
  "40 22 0:50 / /var/lib/directpv/tmp ro,relatime - tmpfs tmpfs ro,size=4k",
].join("\n") + "\n";

Deno.test("parseMountInfo() reads every field and optional-field count", () => {
  const entries = parseMountInfo(SAMPLE);
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[1], {
    mountId: 36,
    parentId: 22,
    majorMinor: "98:0",
    root: "/mnt1",
    mountPoint: "/mnt two",
    mountOptions: ["rw", "noatime"],
    fsType: "xfs",
    source: "/dev/sdb",
    superOptions: ["rw", "attr2", "inode64", "prjquota"],
  });
  assert.equal(entries[2]?.fsType, "tmpfs");
});

Deno.test("parseMountInfo() decodes octal escapes", async (t) => {
  const cases: [string, string][] = [
    ["space", "/a\\040b"],
    ["tab", "/a\\011b"],
    ["newline", "/a\\012b"],
    ["backslash", "/a\\134b"],
  ];
  for (const [name, field] of cases) {
    await t.step(name, () => {
      const [e] = parseMountInfo(`1 0 8:1 / ${field} rw - xfs /dev/sda rw`);
      const want = field.replace(
        /\\(\d{3})/,
        (_m, o: string) => String.fromCharCode(parseInt(o, 8)),
      );
      assert.equal(e?.mountPoint, want);
    });
  }
});

Deno.test("parseMountInfo() throws SyntaxError on a malformed line", async (t) => {
  for (
    const line of ["garbage", "1 2 8:1 / /x rw shared:1 ext4 /dev/a rw", "x 2 8:1 / /x rw - a b c"]
  ) {
    await t.step(line, () => assert.throws(() => parseMountInfo(line), SyntaxError));
  }
});

Deno.test("formatMountInfo() round-trips through parseMountInfo()", () => {
  const entries = parseMountInfo(SAMPLE);
  assert.deepEqual(parseMountInfo(formatMountInfo(entries)), entries);
});

Deno.test("mergeMountInfo() removes duplicates and keeps order", () => {
  const a = parseMountInfo(SAMPLE);
  const b = parseMountInfo("99 1 8:16 / /other rw - ext4 /dev/sdb rw\n" + SAMPLE);
  const merged = mergeMountInfo(a, b);
  assert.deepEqual(merged.map((e) => e.mountId), [22, 36, 40, 99]);
});
