/**
 * probeDevices() over a fake sysfs tree of 1,000 block devices (disks with partitions,
 * NVMe, dm, loop; some with superblock images and udev data; every `/dev` file a sparse 1 GiB
 * file), in both content modes: `identify` (libblkid on every device, the zero check on
 * those it finds nothing on) and `fsuuid` (our own superblock parsers, for FSUUID scans).
 * Run: `deno bench -A lib/device/probe_bench.ts`.
 */
import process from "node:process";
import { FakeHost } from "../sys/testing.ts";
import { probeDevices } from "./probe.ts";
import { deviceImage as fixture } from "./testing.ts";

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

type Mode = "identify" | "fsuuid";
const probe = (content: Mode) => probeDevices(host, { nodeId: "bench", allowLoop: true, content });
const probed = await probe("identify");

async function measure(content: Mode): Promise<void> {
  await probe(content);
  const walls: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < 21; i++) {
    const started = performance.now();
    await probe(content);
    walls.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  walls.sort((a, b) => a - b);
  // deno-lint-ignore no-console -- a benchmark prints its figures
  console.log(
    `probeDevices(${content}) over ${probed.length} fake devices: median ` +
      `${walls[10]?.toFixed(1)} ms, min ${walls[0]?.toFixed(1)} ms, CPU ` +
      `${((used.user + used.system) / 1000 / 21).toFixed(1)} ms per probe (all threads)`,
  );
}

await measure("identify");
await measure("fsuuid");

for (const content of ["identify", "fsuuid"] as const) {
  Deno.bench(`probeDevices(${content}) over ${probed.length} fake devices`, async () => {
    await probe(content);
  });
}
