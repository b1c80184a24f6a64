/**
 * probeDevices() over a fake sysfs tree of 1,000 block devices (disks with partitions,
 * NVMe, dm, loop; some with superblock images and udev data). Target: median ≤ 100 ms.
 * Run: `deno bench -A lib/device/probe_bench.ts`.
 */
import process from "node:process";
import { FakeHost } from "../sys/testing.ts";
import { probeDevices } from "./probe.ts";

async function fixture(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const host = await FakeHost.create();
globalThis.addEventListener("unload", () => Deno.removeSync(host.paths.root, { recursive: true }));

const images = [await fixture("xfs"), await fixture("ext4"), await fixture("gpt"), undefined];
let count = 0;
for (let i = 0; count < 1000; i++) {
  const image = images[i % images.length];
  if (i % 4 === 0) {
    // A SCSI disk with two partitions and udev data: 3 devices.
    const name = `sd${i}`;
    await host.addBlockDevice({
      name,
      majorMinor: `8:${i * 16}`,
      vendor: "ATA",
      model: "DISK",
      udev: { ID_VENDOR: "ATA", ID_MODEL: "DISK", ID_SERIAL: `S${i}` },
      partitions: [
        { name: `${name}p1`, majorMinor: `8:${i * 16 + 1}`, ...(image ? { image } : {}) },
        { name: `${name}p2`, majorMinor: `8:${i * 16 + 2}` },
      ],
    });
    count += 3;
  } else if (i % 4 === 1) {
    await host.addBlockDevice({
      name: `nvme${i}n1`,
      majorMinor: `259:${i}`,
      model: "NVMe",
      ...(image ? { image } : {}),
    });
    count += 1;
  } else if (i % 4 === 2) {
    await host.addBlockDevice({ name: `dm-${i}`, majorMinor: `253:${i}`, dmName: `vg-lv${i}` });
    count += 1;
  } else {
    await host.addBlockDevice({ name: `loop${i}`, majorMinor: `7:${i}`, backingFile: "/f.img" });
    count += 1;
  }
}
for (let i = 0; i < 50; i++) {
  await host.addMount({ majorMinor: `259:${i * 4 + 1}`, mountPoint: `/mnt/${i}` });
}

const probed = await probeDevices(host, { nodeId: "bench", allowLoop: true });
const walls: number[] = [];
const cpu = process.cpuUsage();
for (let i = 0; i < 21; i++) {
  const started = performance.now();
  await probeDevices(host, { nodeId: "bench", allowLoop: true });
  walls.push(performance.now() - started);
}
const used = process.cpuUsage(cpu);
walls.sort((a, b) => a - b);
console.log(
  `probeDevices() over ${probed.length} fake devices: median ${walls[10]?.toFixed(1)} ms, ` +
    `min ${walls[0]?.toFixed(1)} ms, CPU ${
      ((used.user + used.system) / 1000 / 21).toFixed(1)
    } ms ` +
    `per probe (all threads)`,
);

Deno.bench(`probeDevices() over ${probed.length} fake devices`, async () => {
  await probeDevices(host, { nodeId: "bench", allowLoop: true });
});
