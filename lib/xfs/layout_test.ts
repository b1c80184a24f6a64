import assert from "node:assert/strict";
import { FakeHost } from "../sys/testing.ts";
import {
  createVolumeDir,
  drivePaths,
  metaInfoContent,
  parseMetaInfo,
  volumeDataPath,
  writeDriveLayout,
} from "./layout.ts";

const UUID = "6f1e1b0c-7c5a-4d0e-9a51-2b8e3a3c2f10";

Deno.test("metaInfoContent() is DirectPV's exact meta.info", () => {
  assert.equal(
    metaInfoContent(UUID),
    `APP_NAME=directpv\nAPP_VERSION=v1beta1\nFSUUID=${UUID}\n`,
  );
  assert.deepEqual(parseMetaInfo(metaInfoContent(UUID)), {
    APP_NAME: "directpv",
    APP_VERSION: "v1beta1",
    FSUUID: UUID,
  });
});

Deno.test("volumeDataPath() is the legacy-compatible path under the FSUUID link", () => {
  assert.equal(
    volumeDataPath(UUID, "pvc-1"),
    `/var/lib/directpv/mnt/${UUID}/.FSUUID.${UUID}/pvc-1`,
  );
});

Deno.test("writeDriveLayout() writes the link, meta dir and file with their modes", async () => {
  const host = await FakeHost.create();
  try {
    const p = drivePaths(host, UUID);
    await Deno.mkdir(p.mountPoint, { recursive: true });
    await writeDriveLayout(host, UUID);
    await writeDriveLayout(host, UUID);
    assert.equal(await Deno.readLink(p.fsuuidLink), ".");
    assert.equal((await host.fs.stat(p.metaDir))?.mode, 0o750);
    assert.equal((await host.fs.stat(p.metaInfo))?.mode, 0o640);
    assert.equal(await Deno.readTextFile(p.metaInfo), metaInfoContent(UUID));
    const dir = await createVolumeDir(host, UUID, "pvc-1");
    assert.equal(dir, p.volume("pvc-1"));
    assert.equal(await createVolumeDir(host, UUID, "pvc-1"), dir);
    assert.ok((await Deno.stat(`${p.mountPoint}/pvc-1`)).isDirectory);
    assert.equal((await host.fs.stat(dir))?.mode, 0o755);
  } finally {
    await host.dispose();
  }
});

Deno.test("writeDriveLayout() replaces a wrong FSUUID link", async () => {
  const host = await FakeHost.create();
  try {
    const p = drivePaths(host, UUID);
    await Deno.mkdir(p.mountPoint, { recursive: true });
    await Deno.symlink("/elsewhere", p.fsuuidLink);
    await writeDriveLayout(host, UUID);
    assert.equal(await Deno.readLink(p.fsuuidLink), ".");
  } finally {
    await host.dispose();
  }
});
