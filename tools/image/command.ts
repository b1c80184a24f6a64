/** Running the image build's commands: output passed through or captured, failure thrown. */

/** Runs `command`; resolves with its stdout when `capture` is set (else it goes to ours). */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; capture?: boolean } = {},
): Promise<string> {
  const out = await new Deno.Command(command, {
    args: [...args],
    stdin: "null",
    stdout: options.capture ? "piped" : "inherit",
    stderr: "inherit",
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).output();
  if (!out.success) throw new Error(`${command} ${args.join(" ")} exited with ${out.code}`);
  return options.capture ? new TextDecoder().decode(out.stdout) : "";
}
