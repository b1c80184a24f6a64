import assert from "node:assert/strict";
import { CommandMounter, mountArgs, unmountArgs } from "./mount.ts";
import { FakeHost } from "./testing.ts";

Deno.test("mountArgs() and unmountArgs() build util-linux arguments", () => {
  assert.deepEqual(
    mountArgs("/dev/sdb", "/m", { fsType: "xfs", options: ["noatime", "prjquota"] }),
    [
      "-t",
      "xfs",
      "-o",
      "noatime,prjquota",
      "/dev/sdb",
      "/m",
    ],
  );
  assert.deepEqual(mountArgs("/a", "/b"), ["/a", "/b"]);
  assert.deepEqual(unmountArgs("/m", { force: true, detach: true }), ["-f", "-l", "/m"]);
  assert.deepEqual(unmountArgs("/m"), ["/m"]);
});

Deno.test("CommandMounter runs mount, bind then remount read-only, and umount", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec("mount");
    host.onExec("umount");
    const m = new CommandMounter(host.exec, host.fs, host.paths);
    await m.mount("/dev/sdb", "/m", { fsType: "xfs", options: ["noatime"] });
    await m.bindMount("/m/v", "/t", { readOnly: true });
    await m.bindMount("/m/w", "/u");
    await m.unmount("/not-mounted");
    await host.addMount({ mountPoint: "/t" });
    await m.unmount("/t", { force: true, detach: true });
    assert.deepEqual(host.execCalls.map((c) => [c.command, ...c.args].join(" ")), [
      "mount -t xfs -o noatime /dev/sdb /m",
      "mount --bind /m/v /t",
      "mount -o remount,bind,ro /t",
      "mount --bind /m/w /u",
      "umount -f -l /t",
    ]);
  } finally {
    await host.dispose();
  }
});

Deno.test("CommandMounter.mountInfo() merges self and pid 1 tables", async () => {
  const host = await FakeHost.create();
  try {
    await Deno.writeTextFile(
      host.paths.proc("self/mountinfo"),
      "1 0 8:1 / / rw - ext4 /dev/a rw\n",
    );
    await Deno.writeTextFile(
      host.paths.proc("1/mountinfo"),
      "1 0 8:1 / / rw - ext4 /dev/a rw\n2 1 8:16 / /h rw - xfs /dev/b rw\n",
    );
    const m = new CommandMounter(host.exec, host.fs, host.paths);
    assert.deepEqual((await m.mountInfo()).map((e) => e.mountPoint), ["/", "/h"]);
    await Deno.remove(host.paths.proc("1/mountinfo"));
    assert.deepEqual((await m.mountInfo()).map((e) => e.mountPoint), ["/"]);
  } finally {
    await host.dispose();
  }
});
