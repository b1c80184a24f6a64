/** `completion bash|zsh|fish`: shell completion scripts generated from the command tree. */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../exit_codes.ts";
import type { Runtime } from "./runtime.ts";

const NAMES = ["directpv", "kubectl-directpv"];

/** One command of the tree with its path (`["list", "drives"]`). */
interface Node {
  path: string[];
  command: CommandUnknownOpts;
}

function walk(command: CommandUnknownOpts, path: string[] = []): Node[] {
  return [
    { path, command },
    ...command.commands.filter((c) => !isHidden(c)).flatMap((c) => walk(c, [...path, c.name()])),
  ];
}

function isHidden(command: CommandUnknownOpts): boolean {
  return (command as unknown as { _hidden?: boolean })._hidden === true;
}

function flagsOf(command: CommandUnknownOpts): string[] {
  return command.options.filter((o) => !o.hidden).flatMap((o) =>
    [o.short, o.long].filter((f): f is string => !!f)
  ).concat(["--help"]);
}

function words(node: Node): string {
  const subs = node.command.commands.filter((c) => !isHidden(c)).map((c) => c.name());
  return [...subs, ...flagsOf(node.command)].join(" ");
}

/** A bash completion script (also used by zsh through bashcompinit). */
export function bashCompletion(root: CommandUnknownOpts): string {
  const nodes = walk(root);
  const wordCases = nodes.map((n) => `    "${n.path.join(" ")}") echo "${words(n)}" ;;`);
  const nextCases = nodes.flatMap((n) =>
    n.command.commands.filter((c) => !isHidden(c)).map((c) => {
      const from = n.path.join(" ");
      const to = [...n.path, c.name()].join(" ");
      const labels = [c.name(), ...c.aliases()].map((a) => `"${from}|${a}"`).join("|");
      return `    ${labels}) echo "${to}" ;;`;
    })
  );
  return [
    "# bash completion for directpv / kubectl-directpv",
    "_directpv_words() {",
    '  case "$1" in',
    ...wordCases,
    "  esac",
    "}",
    "_directpv_next() {",
    '  case "$1|$2" in',
    ...nextCases,
    '    *) echo "$1" ;;',
    "  esac",
    "}",
    "_directpv() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="" i',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    path="$(_directpv_next "$path" "${COMP_WORDS[i]}")"',
    "  done",
    '  mapfile -t COMPREPLY < <(compgen -W "$(_directpv_words "$path")" -- "$cur")',
    "}",
    `complete -o default -F _directpv ${NAMES.join(" ")}`,
    "",
  ].join("\n");
}

/** A zsh completion script: the bash one through bashcompinit. */
export function zshCompletion(root: CommandUnknownOpts): string {
  return [
    "# zsh completion for directpv / kubectl-directpv",
    "autoload -U +X compinit && compinit",
    "autoload -U +X bashcompinit && bashcompinit",
    bashCompletion(root),
  ].join("\n");
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A fish completion script. */
export function fishCompletion(root: CommandUnknownOpts): string {
  const lines = ["# fish completion for directpv / kubectl-directpv"];
  for (const name of NAMES) {
    for (const node of walk(root)) {
      const last = node.path[node.path.length - 1];
      const seen = last === undefined
        ? ""
        : `-n ${fishQuote(`__fish_seen_subcommand_from ${last}`)} `;
      for (const sub of node.command.commands.filter((c) => !isHidden(c))) {
        const cond = last === undefined ? `-n __fish_use_subcommand ` : seen;
        lines.push(
          `complete -c ${name} ${cond}-f -a ${sub.name()} -d ${fishQuote(sub.description())}`,
        );
      }
      for (const option of node.command.options.filter((o) => !o.hidden)) {
        const long = option.long ? ` -l ${option.long.replace(/^--/, "")}` : "";
        const short = option.short ? ` -s ${option.short.replace(/^-/, "")}` : "";
        const value = option.required || option.optional ? " -r" : "";
        lines.push(
          `complete -c ${name} ${seen}${long}${short}${value} -d ${fishQuote(option.description)}`
            .replace(/ {2,}/g, " "),
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `completion bash|zsh|fish`. */
export function completionCommand(rt: Runtime, root: () => CommandUnknownOpts): CommandUnknownOpts {
  return new Command("completion")
    .description("Print a shell completion script: bash, zsh or fish")
    .argument("[shell]", "bash|zsh|fish")
    .action((shell) => {
      const scripts: Record<string, (root: CommandUnknownOpts) => string> = {
        bash: bashCompletion,
        zsh: zshCompletion,
        fish: fishCompletion,
      };
      const make = shell === undefined ? undefined : scripts[shell];
      if (!make) {
        throw new UsageError(`Unsupported shell "${shell ?? ""}"; valid values are bash|zsh|fish`);
      }
      rt.terminal().result(make(root()));
    });
}
