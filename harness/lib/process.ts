/**
 * Running commands and long-lived background processes for the harness.
 *
 * Background processes are started in their own session (`setsid`) with stdin closed and
 * stdout/stderr appended to a log file, so they outlive the process that started them. They
 * are identified by PID plus the kernel's start time of that PID, so a recycled PID is never
 * mistaken for one of ours, and they are stopped by PID only.
 */
import { CommandError, FailedPreconditionError } from "../../lib/errors/mod.ts";
import { sleep, waitFor } from "./wait.ts";

/** Options of {@link run}. */
export interface RunOptions {
  /** Text written to the command's stdin. */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Return a non-zero exit instead of throwing CommandError. */
  allowFailure?: boolean;
  signal?: AbortSignal;
  cwd?: string;
}

/** The outcome of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and collects its output.
 *
 * @throws {CommandError} when it exits non-zero (unless `allowFailure`)
 * @throws {FailedPreconditionError} when the program does not exist
 */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const cmd = new Deno.Command(command, {
    args: [...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let child: Deno.ChildProcess;
  try {
    child = cmd.spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new FailedPreconditionError(`Cannot run "${command}": command not found`, {
        cause: err,
      });
    }
    throw err;
  }
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  const result = {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
  if (result.code !== 0 && !options.allowFailure) {
    throw new CommandError({ command, args, code: result.code, stderr: result.stderr });
  }
  return result;
}

/** Whether a program can be found on PATH (or at the given path). */
export async function commandExists(command: string): Promise<boolean> {
  const res = await run("sh", ["-c", 'command -v "$1" >/dev/null 2>&1', "sh", command], {
    allowFailure: true,
  });
  return res.code === 0;
}

/** A background process started by {@link spawnDaemon}. */
export interface DaemonProcess {
  /** A short name such as `etcd`. */
  name: string;
  pid: number;
  /** Start time of the PID in clock ticks since boot (`/proc/<pid>/stat` field 22). */
  startTime: number;
  /** File that receives the process's stdout and stderr. */
  logFile: string;
}

/** What {@link spawnDaemon} starts. */
export interface DaemonSpec {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
}

// The shell records its own PID, then becomes the program: the recorded PID is the program's.
const LAUNCH_SCRIPT = 'echo $$ >"$DAEMON_PID_FILE.tmp" && mv "$DAEMON_PID_FILE.tmp" ' +
  '"$DAEMON_PID_FILE" && exec "$@" >>"$DAEMON_LOG_FILE" 2>&1 </dev/null';

/**
 * Starts a program detached from the caller (new session, stdin closed, output appended to
 * `logFile`). It keeps running when the caller exits.
 *
 * @throws {FailedPreconditionError} when it could not be started
 */
export async function spawnDaemon(spec: DaemonSpec): Promise<DaemonProcess> {
  const pidFile = `${spec.logFile}.pid`;
  await Deno.remove(pidFile).catch(() => {});
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", LAUNCH_SCRIPT, "sh", spec.command, ...spec.args],
    env: { ...spec.env, DAEMON_PID_FILE: pidFile, DAEMON_LOG_FILE: spec.logFile },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
  }).spawn();
  child.unref();
  // Reap the launcher (or the program itself when setsid did not fork) while we live.
  child.status.catch(() => {});
  const pid = await waitFor(async () => {
    const text = await Deno.readTextFile(pidFile).catch(() => "");
    return /^\d+\s*$/.test(text) ? Number(text) : undefined;
  }, { timeoutMs: 10_000, intervalMs: 10, description: `the PID of "${spec.name}"` });
  await Deno.remove(pidFile).catch(() => {});
  const startTime = await processStartTime(pid);
  if (startTime === undefined) {
    throw new FailedPreconditionError(
      `Cannot start "${spec.name}": it exited at once; see "${spec.logFile}"`,
    );
  }
  return { name: spec.name, pid, startTime, logFile: spec.logFile };
}

interface ProcStat {
  state: string;
  startTime: number;
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may contain spaces.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0];
  const start = Number(rest[19]);
  if (state === undefined || !Number.isFinite(start)) return undefined;
  return { state, startTime: start };
}

/** The start time (clock ticks since boot) of a running process, or undefined. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  const stat = await procStat(pid);
  return stat && stat.state !== "Z" && stat.state !== "X" ? stat.startTime : undefined;
}

/** Whether the process still runs (not a zombie) and is the one recorded. */
export async function processAlive(proc: { pid: number; startTime?: number }): Promise<boolean> {
  const start = await processStartTime(proc.pid);
  if (start === undefined) return false;
  return proc.startTime === undefined || proc.startTime === start;
}

/** User plus system CPU time a running process has used, in seconds, or undefined. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  const text = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? ticks / 100 : undefined;
}

async function statusBytes(pid: number, field: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Resident set size of a process in bytes (VmRSS), or undefined when it is gone. */
export function processRss(pid: number): Promise<number | undefined> {
  return statusBytes(pid, "VmRSS");
}

/** The largest resident set size a process has had, in bytes (VmHWM), or undefined. */
export function processPeakRss(pid: number): Promise<number | undefined> {
  return statusBytes(pid, "VmHWM");
}

/** Options of {@link stopProcess}. */
export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 10 s. */
  graceMs?: number;
}

/**
 * Stops a recorded process: SIGTERM, wait, then SIGKILL. Does nothing when it is gone or
 * its PID now belongs to another process. Returns how it ended.
 *
 * @throws {FailedPreconditionError} when it survives SIGKILL
 */
export async function stopProcess(
  proc: { pid: number; startTime?: number; name?: string },
  options: StopOptions = {},
): Promise<"gone" | "terminated" | "killed"> {
  if (!(await processAlive(proc))) return "gone";
  const graceMs = options.graceMs ?? 10_000;
  if (await signalAndWait(proc, "SIGTERM", graceMs)) return "terminated";
  if (await signalAndWait(proc, "SIGKILL", 5_000)) return "killed";
  throw new FailedPreconditionError(
    `Cannot stop "${proc.name ?? "process"}" (PID ${proc.pid}): it survived SIGKILL`,
  );
}

async function signalAndWait(
  proc: { pid: number; startTime?: number },
  signal: Deno.Signal,
  timeoutMs: number,
): Promise<boolean> {
  try {
    Deno.kill(proc.pid, signal);
  } catch {
    // Gone between the check and the signal (ESRCH): the wait below confirms it.
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await processAlive(proc))) return true;
    await sleep(50);
  }
  return !(await processAlive(proc));
}
