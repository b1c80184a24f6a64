import assert from "node:assert/strict";
import { hostPaths, joinPath } from "./paths.ts";

Deno.test("hostPaths() puts every path under the root", () => {
  const p = hostPaths("/tmp/r");
  assert.equal(p.root, "/tmp/r");
  assert.equal(p.sys("class/block", "sda", "size"), "/tmp/r/sys/class/block/sda/size");
  assert.equal(p.proc("self", "mountinfo"), "/tmp/r/proc/self/mountinfo");
  assert.equal(p.dev("sdb"), "/tmp/r/dev/sdb");
  assert.equal(p.udevData("b8:0"), "/tmp/r/run/udev/data/b8:0");
  assert.equal(p.app("mnt", "u"), "/tmp/r/var/lib/directpv/mnt/u");
  assert.equal(p.legacyApp("mnt"), "/tmp/r/var/lib/direct-csi/mnt");
  assert.equal(p.host("/var/lib/kubelet/pods/x"), "/tmp/r/var/lib/kubelet/pods/x");
});

Deno.test("hostPaths() with root / leaves paths as they are", () => {
  const p = hostPaths();
  assert.equal(p.sys("block"), "/sys/block");
  assert.equal(p.host("/var/lib/directpv/mnt/x"), "/var/lib/directpv/mnt/x");
  assert.equal(p.unmap("/var/lib/directpv/mnt/x"), "/var/lib/directpv/mnt/x");
});

Deno.test("hostPaths() lets the app dir live outside the root", () => {
  const p = hostPaths("/", { appDir: "/tmp/t/app", legacyAppDir: "/tmp/t/legacy" });
  assert.equal(p.app("mnt"), "/tmp/t/app/mnt");
  assert.equal(p.sys("block"), "/sys/block");
  assert.equal(p.host("/var/lib/directpv/mnt/u/v"), "/tmp/t/app/mnt/u/v");
  assert.equal(p.host("/var/lib/directpv"), "/tmp/t/app");
  assert.equal(p.host("/var/lib/direct-csi/mnt"), "/tmp/t/legacy/mnt");
  assert.equal(p.host("/var/lib/directpvx"), "/var/lib/directpvx");
});

Deno.test("hostPaths().unmap() inverts host()", async (t) => {
  const p = hostPaths("/tmp/r", { appDir: "/data/app" });
  for (const path of ["/var/lib/directpv/mnt/u/.FSUUID.u/pvc", "/var/lib/kubelet/x", "/"]) {
    await t.step(path, () => assert.equal(p.unmap(p.host(path)), path));
  }
  assert.equal(p.unmap("/elsewhere"), "/elsewhere");
});

Deno.test("joinPath() normalises slashes", () => {
  assert.equal(joinPath("/a/", "/b//c", "", "d"), "/a/b/c/d");
  assert.equal(joinPath("a", "./b"), "a/b");
});
