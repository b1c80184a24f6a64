/** Helpers of the content tests: blkid's own verdict, checksums of a device's ends, tools. */
import { commandExists } from "../lib/mod.ts";
import { endsChecksum } from "./_lab.ts";
import type { ContentFormat } from "./formats.ts";

const MIB = 1024 * 1024;

/**
 * What `blkid -p` (low-level probe, no cache) reports for a device: its NAME=value pairs,
 * `ambivalent` (exit 8), or undefined when it finds nothing (exit 2).
 */
export async function blkidProbe(
  device: string,
): Promise<Record<string, string> | "ambivalent" | undefined> {
  const out = await new Deno.Command("blkid", {
    args: ["-p", "-o", "export", device],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code === 2) return undefined;
  if (out.code === 8) return "ambivalent";
  if (!out.success) throw new Error(`blkid -p ${device}: ${new TextDecoder().decode(out.stderr)}`);
  const values: Record<string, string> = {};
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** SHA-256 of a device's first 8 MiB and last 2 MiB (where every format writes), hex. */
export function formatChecksum(device: string): Promise<string> {
  return endsChecksum(device, 8 * MIB, 2 * MIB);
}

/** Missing commands of the formats, each with the formats that need it. */
export async function commandsMissing(
  formats: readonly ContentFormat[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const f of formats) {
    for (const command of f.commands) {
      if (await commandExists(command)) continue;
      out.set(command, [...(out.get(command) ?? []), f.name]);
    }
  }
  return out;
}
