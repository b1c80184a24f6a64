import assert from "node:assert/strict";
import { InvalidArgumentError } from "../errors/mod.ts";
import { FakeHost } from "../sys/testing.ts";
import { growXfs, xfsDataSize } from "./mod.ts";
import { parseGrowfsOutput } from "./growfs.ts";

const GEOMETRY = `meta-data=/dev/loop7             isize=512    agcount=4, agsize=16384 blks
         =                       sectsz=512   attr=2, projid32bit=1
data     =                       bsize=4096   blocks=65536, imaxpct=25
         =                       sunit=0      swidth=0 blks
naming   =version 2              bsize=4096   ascii-ci=0, ftype=1
log      =internal log           bsize=4096   blocks=16384, version=2
realtime =none                   extsz=4096   blocks=0, rtextents=0
`;

Deno.test("parseGrowfsOutput() reads the data section, or the size a grow reached", () => {
  assert.deepEqual(parseGrowfsOutput(GEOMETRY), {
    blockSize: 4096,
    dataBlocks: 65536,
    bytes: 65536 * 4096,
  });
  const grown = `${GEOMETRY}data blocks changed from 65536 to 131072\n`;
  assert.equal(parseGrowfsOutput(grown).bytes, 131072 * 4096);
  assert.throws(() => parseGrowfsOutput("xfs_growfs: /x is not a mounted XFS filesystem"), {
    name: InvalidArgumentError.name,
    message: /Cannot read the data geometry in xfs_growfs output/,
  });
});

Deno.test("xfsDataSize() asks with -n; growXfs() grows with -d and reports both sizes", async () => {
  const host = await FakeHost.create();
  try {
    host.onExec(/^xfs_growfs -n /, { stdout: GEOMETRY });
    host.onExec(/^xfs_growfs -d /, {
      stdout: `${GEOMETRY}data blocks changed from 65536 to 131072\n`,
    });
    assert.equal((await xfsDataSize(host, "/mnt/x")).bytes, 65536 * 4096);
    const { before, after } = await growXfs(host, "/mnt/x");
    assert.equal(before.bytes, 65536 * 4096);
    assert.equal(after.bytes, 131072 * 4096);
    assert.deepEqual(host.execCalls.map((c) => [c.command, ...c.args]), [
      ["xfs_growfs", "-n", "/mnt/x"],
      ["xfs_growfs", "-d", "/mnt/x"],
    ]);
  } finally {
    await host.dispose();
  }
});
