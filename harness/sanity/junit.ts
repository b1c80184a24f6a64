/**
 * Reading csi-sanity's ginkgo JUnit report: each spec's outcome, the counts, and the skipped
 * specs matched to the capability we do not offer by design that makes csi-sanity skip them.
 */

/** How one spec ended. */
export type Outcome = "passed" | "failed" | "skipped";

/** One spec of the report. */
export interface SpecResult {
  name: string;
  outcome: Outcome;
  /** The failure or skip message ("" for a pass). */
  message: string;
}

/** Pass/fail/skip counts of a run. */
export interface SanityCounts {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
}

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
  "&#39;": "'",
  "&#xA;": "\n",
  "&#x9;": "\t",
  "&amp;": "&",
};

/** Decodes the XML entities ginkgo writes. */
export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#39|#xA|#x9);/g, (e) => ENTITIES[e] ?? e);
}

function attribute(tag: string, name: string): string {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return unescapeXml(match?.[1] ?? "");
}

/** The specs of a ginkgo JUnit report, in report order. */
export function parseJunit(xml: string): SpecResult[] {
  const cases = xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g);
  return [...cases].map((c) => {
    const name = attribute(c[1] ?? "", "name");
    const body = c[3] ?? "";
    const failure = /<(failure|error)\b([^>]*)>/.exec(body);
    if (failure) {
      return { name, outcome: "failed", message: attribute(failure[2] ?? "", "message") };
    }
    const skipped = /<skipped\b([^>]*)>/.exec(body);
    if (skipped) {
      const message = attribute(skipped[1] ?? "", "message").replace(/^skipped -?\s*/, "");
      return { name, outcome: "skipped", message };
    }
    return { name, outcome: "passed", message: "" };
  });
}

/** The counts of a set of specs. */
export function countsOf(specs: readonly SpecResult[]): SanityCounts {
  const count = (o: Outcome) => specs.filter((s) => s.outcome === o).length;
  return {
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    total: specs.length,
  };
}

/** Reads pass/fail/skip counts from a ginkgo JUnit report. */
export function countsFromJunit(xml: string): SanityCounts {
  return countsOf(parseJunit(xml));
}

/** A csi-sanity skip message and why we do not offer what it checks. */
export interface DesignSkip {
  /** Matches csi-sanity's skip message. */
  message: RegExp;
  /** The capability left out, and why. */
  reason: string;
}

/** A skipped spec with the design reason that explains it (undefined when none does). */
export interface ExplainedSkip {
  spec: SpecResult;
  reason: string | undefined;
}

/** Matches each skipped spec to the design reason its skip message names. */
export function explainSkips(
  specs: readonly SpecResult[],
  design: readonly DesignSkip[],
): ExplainedSkip[] {
  return specs.filter((s) => s.outcome === "skipped").map((spec) => ({
    spec,
    reason: design.find((d) => d.message.test(spec.message))?.reason,
  }));
}

/** Spec names as csi-sanity writes them start with the node type: `[It] Node Service ...`. */
function shortName(name: string): string {
  return name.replace(/^\[It\]\s*/, "");
}

/**
 * A plain-text table of skipped specs: the spec, csi-sanity's skip message, and our reason
 * (or `NOT BY DESIGN` when no design reason covers it).
 */
export function skipTable(skips: readonly ExplainedSkip[]): string {
  if (skips.length === 0) return "csi-sanity skipped no spec";
  const rows = skips.map((s) => [
    shortName(s.spec.name),
    s.spec.message,
    s.reason ?? "NOT BY DESIGN: no capability we leave out explains this skip",
  ]);
  const header = ["Skipped spec", "csi-sanity says", "Why (by design)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...rows.map(line)]
    .join("\n");
}
