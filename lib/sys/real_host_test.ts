import assert from "node:assert/strict";
import { AlreadyExistsError, NotFoundError, UnavailableError } from "../errors/mod.ts";
import { createRealHost, RealFs } from "./real_host.ts";

async function withDir(fn: (dir: string, fs: RealFs) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(
      dir,
      new RealFs(() => Promise.reject(new Error("no usage")), { syncPrefixes: [dir + "/s"] }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("RealFs.readBytes() reads a range and stops at end of file", async () => {
  await withDir(async (dir, fs) => {
    await Deno.writeFile(`${dir}/img`, Uint8Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual([...await fs.readBytes(`${dir}/img`, 10, 3)], [10, 11, 12]);
    assert.equal((await fs.readBytes(`${dir}/img`, 90, 50)).length, 10);
    assert.equal((await fs.readBytes(`${dir}/img`, 200, 50)).length, 0);
  });
});

Deno.test("RealFs.readInto() fills the buffer given and counts the bytes read", async () => {
  await withDir(async (dir, fs) => {
    await Deno.writeFile(`${dir}/img`, Uint8Array.from({ length: 100 }, (_, i) => i));
    const target = new Uint8Array(8).fill(0xff);
    assert.equal(await fs.readInto(`${dir}/img`, 95, target), 5);
    assert.deepEqual([...target], [95, 96, 97, 98, 99, 0xff, 0xff, 0xff]);
    await assert.rejects(fs.readInto(`${dir}/none`, 0, target), NotFoundError);
  });
});

Deno.test("RealFs maps missing and existing paths to domain errors", async () => {
  await withDir(async (dir, fs) => {
    await assert.rejects(() => fs.readText(`${dir}/none`), NotFoundError);
    await assert.rejects(() => fs.readText(`${dir}/s/none`), NotFoundError);
    await assert.rejects(() => fs.readDir(`${dir}/s/none`), NotFoundError);
    await fs.mkdir(`${dir}/d`);
    await assert.rejects(() => fs.mkdir(`${dir}/d`), AlreadyExistsError);
    assert.equal(await fs.stat(`${dir}/none`), undefined);
  });
});

Deno.test("RealFs errors name the action and the path once", async () => {
  await withDir(async (dir, fs) => {
    await assert.rejects(() => fs.readText(`${dir}/none`), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(
        err.message,
        `Cannot read "${dir}/none": No such file or directory (os error 2)`,
      );
      return true;
    });
    await assert.rejects(() => fs.rename(`${dir}/none`, `${dir}/x`), NotFoundError);
  });
});

Deno.test("RealFs sets exact modes and creates links and sparse files", async () => {
  await withDir(async (dir, fs) => {
    await fs.mkdir(`${dir}/a/b`, { recursive: true, mode: 0o750 });
    assert.equal((await fs.stat(`${dir}/a/b`))?.mode, 0o750);
    await fs.writeText(`${dir}/a/b/f`, "x", { mode: 0o640 });
    assert.equal((await fs.stat(`${dir}/a/b/f`))?.mode, 0o640);
    await fs.mkdir(`${dir}/a/b`, { recursive: true, mode: 0o700 });
    assert.equal((await fs.stat(`${dir}/a/b`))?.mode, 0o750, "an existing dir keeps its mode");
    await fs.symlink(".", `${dir}/a/link`);
    assert.ok((await fs.stat(`${dir}/a/link`))?.isSymlink);
    assert.equal(await fs.readLink(`${dir}/a/link`), ".");
    await fs.truncate(`${dir}/sparse`, 1 << 30);
    assert.equal((await fs.stat(`${dir}/sparse`))?.size, 1 << 30);
    await fs.mkdir(`${dir}/s/x`, { recursive: true });
    await fs.writeText(`${dir}/s/x/attr`, " 42\n");
    assert.equal(await fs.readText(`${dir}/s/x/attr`), " 42\n");
    assert.deepEqual(await fs.readDir(`${dir}/s/x`), ["attr"]);
    await fs.rename(`${dir}/s/x/attr`, `${dir}/s/x/b`);
    await fs.remove(`${dir}/s`, { recursive: true });
    assert.equal(await fs.stat(`${dir}/s`), undefined);
  });
});

Deno.test("RealFs.readAttributes() reads files in order, undefined when missing", async () => {
  await withDir(async (dir, fs) => {
    await Deno.mkdir(`${dir}/s/d`, { recursive: true });
    await Deno.writeTextFile(`${dir}/s/size`, "2048\n");
    await Deno.writeTextFile(`${dir}/s/big`, "x".repeat(20_000));
    await Deno.writeTextFile(`${dir}/plain`, "async\n");
    const [size, missing, big, dirError, plain, plainMissing] = await fs.readAttributes([
      `${dir}/s/size`,
      `${dir}/s/none`,
      `${dir}/s/big`,
      `${dir}/s/d`,
      `${dir}/plain`,
      `${dir}/none`,
    ]);
    assert.equal(size, "2048\n");
    assert.equal(missing, undefined);
    assert.equal(big, "x".repeat(20_000));
    assert.ok(dirError instanceof UnavailableError, String(dirError));
    assert.equal(plain, "async\n");
    assert.equal(plainMissing, undefined);
  });
});

Deno.test("createRealHost() roots paths and keeps the app dir separate", () => {
  const host = createRealHost({ root: "/host", appDir: "/tmp/app" });
  assert.equal(host.paths.sys("block"), "/host/sys/block");
  assert.equal(host.paths.app("mnt"), "/tmp/app/mnt");
});
