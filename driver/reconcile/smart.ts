/**
 * What `smartctl --json` says about a device's health. Only the verdicts a storage admin acts
 * on are kept: the overall self-assessment, ATA prefailure attributes at or below their
 * threshold, and the NVMe critical-warning bits. Everything else (temperatures, counters) is
 * left to smartctl itself.
 */

/** Arguments of the health query: health, attributes, JSON; a sleeping disk is not woken. */
export function smartctlArgs(devicePath: string): string[] {
  return ["--health", "--attributes", "--json=c", "--nocheck=standby", devicePath];
}

/** The verdict on one device. */
export type SmartVerdict =
  /** SMART cannot be read: no SMART (loop, virtual disks), asleep, or the query failed. */
  | { kind: "unavailable"; reason: string }
  | { kind: "passed" }
  | { kind: "failing"; reason: string };

// smartctl's exit status is a bit mask (smartctl(8) "RETURN VALUES").
const EXIT_PARSE = 1 << 0;
const EXIT_OPEN = 1 << 1;
const EXIT_COMMAND = 1 << 2;
const EXIT_FAILING = 1 << 3;
const EXIT_PREFAIL = 1 << 4;

const NVME_WARNINGS: ReadonlyArray<[number, string]> = [
  [1 << 0, "spare capacity below threshold"],
  [1 << 1, "temperature out of range"],
  [1 << 2, "reliability degraded"],
  [1 << 3, "media in read-only mode"],
  [1 << 4, "volatile memory backup failed"],
  [1 << 5, "persistent memory region unreliable"],
];

interface SmartAttribute {
  name?: string;
  value?: number;
  thresh?: number;
  flags?: { prefailure?: boolean };
  "when_failed"?: string;
}

interface SmartctlOutput {
  smartctl?: { messages?: { string?: string; severity?: string }[]; "exit_status"?: number };
  "smart_status"?: { passed?: boolean };
  "ata_smart_attributes"?: { table?: SmartAttribute[] };
  "nvme_smart_health_information_log"?: { "critical_warning"?: number };
}

function parseOutput(stdout: string): SmartctlOutput | undefined {
  try {
    const parsed = JSON.parse(stdout);
    return parsed && typeof parsed === "object" ? parsed as SmartctlOutput : undefined;
  } catch {
    return undefined;
  }
}

function firstMessage(out: SmartctlOutput | undefined, fallback: string): string {
  const message = out?.smartctl?.messages?.find((m) => m.string)?.string;
  return message ?? fallback;
}

/** ATA prefailure attributes whose normalised value reached the vendor's threshold. */
function failedAttributes(out: SmartctlOutput): string[] {
  return (out.ata_smart_attributes?.table ?? [])
    .filter((a) =>
      a.flags?.prefailure === true && typeof a.value === "number" &&
      typeof a.thresh === "number" && a.thresh > 0 && a.value <= a.thresh
    )
    .map((a) => a.name ?? "unknown attribute");
}

function nvmeWarnings(out: SmartctlOutput): string[] {
  const bits = out.nvme_smart_health_information_log?.critical_warning ?? 0;
  return NVME_WARNINGS.filter(([bit]) => (bits & bit) !== 0).map(([, text]) => text);
}

/**
 * Reads the verdict from smartctl's JSON output and exit status.
 *
 * @example parseSmartctl('{"smart_status":{"passed":true}}', 0).kind === "passed"
 */
export function parseSmartctl(stdout: string, exitCode: number): SmartVerdict {
  const out = parseOutput(stdout);
  const passed = out?.smart_status?.passed;
  if ((exitCode & (EXIT_PARSE | EXIT_OPEN)) !== 0 || !out) {
    return { kind: "unavailable", reason: firstMessage(out, `smartctl exited with ${exitCode}`) };
  }
  const reasons: string[] = [];
  if (passed === false || (exitCode & EXIT_FAILING) !== 0) {
    reasons.push("SMART overall-health self-assessment failed");
  }
  const attributes = failedAttributes(out);
  if (attributes.length > 0 || (exitCode & EXIT_PREFAIL) !== 0) {
    const names = attributes.length > 0 ? `: ${attributes.join(", ")}` : "";
    reasons.push(`prefailure attributes at or below threshold${names}`);
  }
  const warnings = nvmeWarnings(out);
  if (warnings.length > 0) reasons.push(`NVMe critical warning: ${warnings.join(", ")}`);
  if (reasons.length > 0) return { kind: "failing", reason: reasons.join("; ") };
  if (passed === undefined || (exitCode & EXIT_COMMAND) !== 0) {
    return { kind: "unavailable", reason: firstMessage(out, "SMART health is not reported") };
  }
  return { kind: "passed" };
}
