/**
 * Turns the YAML of an object rendered from symbolic install arguments into Helm template text:
 * each placeholder value becomes the template expression that computes it from the chart's
 * values, and each optional part is wrapped in the condition that adds it.
 */
import { type Sidecar, SIDECAR_IMAGES } from "./args.ts";

/** Placeholder values the chart generator passes as install arguments. */
export const PLACEHOLDER = {
  registry: "__REGISTRY__",
  org: "__ORG__",
  imageName: "__IMAGENAME__",
  imageTag: "__IMAGETAG__",
  apparmor: "__APPARMOR__",
  seccomp: "__SECCOMP__",
  kubeletDir: "__KUBELETDIR__",
  quota: "__QUOTA__",
  nodeSelector: "__NODESELECTOR__",
  toleration: "__TOLERATION__",
  pullSecret: "__PULLSECRET__",
} as const;

const P = PLACEHOLDER;

/** The template expression each placeholder inside a scalar stands for. */
const SCALAR_EXPRESSIONS: Readonly<Record<string, string>> = {
  [P.imageTag]: `(include "directpv.imageTag" $)`,
  [P.apparmor]: "$.Values.apparmorProfile",
  [P.seccomp]: "$.Values.seccompProfile",
  [P.kubeletDir]: `(include "directpv.kubeletDir" $)`,
  [P.quota]: "$.Values.quota",
};

/** Lines kept only when a value asks for them: a marker the line contains → condition. */
const LINE_CONDITIONS: ReadonlyArray<{ marker: RegExp; condition: string }> = [
  { marker: new RegExp(P.apparmor), condition: "$.Values.apparmorProfile" },
  { marker: new RegExp(`--quota=${P.quota}$`), condition: `ne $.Values.quota "required"` },
  { marker: /- --allow-loop-devices$/, condition: "$.Values.allowLoopDevices" },
];

const PLACEHOLDER_RE = new RegExp(Object.values(P).join("|"), "g");

/** The sidecar key of an image `name:tag` (the provisioner of old clusters included). */
function sidecarKeyOf(nameTag: string): string | undefined {
  for (const [key, { name, tag }] of Object.entries(SIDECAR_IMAGES)) {
    if (`${name}:${tag}` !== nameTag) continue;
    const sidecar = key as Sidecar;
    return sidecar === "csiProvisionerLegacyKube" ? "csiProvisioner" : sidecar;
  }
  return undefined;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The index after the block that starts at `start` (its more-indented or list lines). */
function blockEnd(lines: readonly string[], start: number): number {
  const indent = indentOf(lines[start] ?? "");
  let end = start + 1;
  while (end < lines.length) {
    const line = lines[end] ?? "";
    const deeper = indentOf(line) > indent;
    const listItem = indentOf(line) === indent && line.trimStart().startsWith("- ");
    if (!deeper && !listItem) break;
    end++;
  }
  return end;
}

/** Replaces the block under each `key:` line with what `replace` makes of it and its indent. */
function replaceBlocks(
  lines: string[],
  key: string,
  replace: (pad: string, block: string[]) => string[],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() !== `${key}:`) {
      out.push(line);
      continue;
    }
    const end = blockEnd(lines, i);
    out.push(...replace(" ".repeat(indentOf(line)), lines.slice(i, end)));
    i = end - 1;
  }
  return out;
}

/** The optional lists and maps: present only when their value is not empty. */
function optionalBlocks(lines: string[]): string[] {
  let out = replaceBlocks(lines, "nodeSelector", (pad) => [
    "{{- with $.Values.nodeSelector }}",
    `${pad}nodeSelector:`,
    `{{- toYaml . | nindent ${pad.length + 2} }}`,
    "{{- end }}",
  ]);
  out = replaceBlocks(out, "tolerations", (pad) => [
    "{{- with $.Values.tolerations }}",
    `${pad}tolerations:`,
    `{{- toYaml . | nindent ${pad.length} }}`,
    "{{- end }}",
  ]);
  out = replaceBlocks(out, "imagePullSecrets", (pad) => [
    "{{- with $.Values.imagePullSecrets }}",
    `${pad}imagePullSecrets:`,
    "{{- range . }}",
    `${pad}- name: {{ . | quote }}`,
    "{{- end }}",
    "{{- end }}",
  ]);
  return replaceBlocks(out, "seccompProfile", (_pad, block) => [
    "{{- if $.Values.seccompProfile }}",
    ...block,
    "{{- end }}",
  ]);
}

function wrapLines(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const rule = LINE_CONDITIONS.find((r) => r.marker.test(line));
    return rule ? [`{{- if ${rule.condition} }}`, line, "{{- end }}"] : [line];
  });
}

/** The template of a scalar value that holds placeholders. */
function scalarTemplate(value: string): string {
  const image = `${P.registry}/${P.org}/`;
  if (value === `${image}${P.imageName}:${P.imageTag}`) {
    return `{{ include "directpv.image" $ | quote }}`;
  }
  if (value.startsWith(image)) {
    const key = sidecarKeyOf(value.slice(image.length));
    if (key === undefined) throw new Error(`No sidecar image matches ${value}`);
    return `{{ include "directpv.sidecarImage" (list $ "${key}") | quote }}`;
  }
  const parts: string[] = [];
  let last = 0;
  for (const m of value.matchAll(PLACEHOLDER_RE)) {
    const expression = SCALAR_EXPRESSIONS[m[0]];
    if (expression === undefined) throw new Error(`Placeholder ${m[0]} left in ${value}`);
    if (m.index > last) parts.push(JSON.stringify(value.slice(last, m.index)));
    parts.push(expression);
    last = m.index + m[0].length;
  }
  if (last < value.length) parts.push(JSON.stringify(value.slice(last)));
  return `{{ print ${parts.join(" ")} | quote }}`;
}

/** Replaces the scalar after `key: ` or `- ` of a line that holds placeholders. */
function substituteLine(line: string): string {
  if (!PLACEHOLDER_RE.test(line)) return line;
  PLACEHOLDER_RE.lastIndex = 0;
  const m = /^(\s*(?:- )?(?:[^\s:'"]+: )?)(.*)$/.exec(line);
  if (!m) throw new Error(`Cannot template the line ${line}`);
  const [, head = "", value = ""] = m;
  return `${head}${scalarTemplate(value)}`;
}

/** Keeps text Helm would read as template actions literal. */
function escapeActions(text: string): string {
  return text.replaceAll("{{", `{{ "{{" }}`);
}

/** The Helm template text of an object's YAML rendered from the placeholder arguments. */
export function templateOf(yaml: string): string {
  const lines = escapeActions(yaml).replace(/\n$/, "").split("\n");
  return wrapLines(optionalBlocks(lines)).map(substituteLine).join("\n");
}
