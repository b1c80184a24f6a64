/**
 * A real browser for the dashboard tests: Debian's chromium driven by playwright-core, with
 * every background service off and a fresh profile, recording each request the page makes.
 * Also starts the dashboard itself (`kubectl-directpv dashboard --port 0`) and reads its URL.
 */
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type DaemonProcess, spawnDaemon, stopProcess, waitFor } from "../lib/mod.ts";

/** Where the project's scripts install chromium (Debian's `chromium` package). */
export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with a fresh profile, and the requests its pages made. */
export interface TestBrowser {
  context: BrowserContext;
  /** Every URL any page requested. */
  requests: string[];
  newPage(width?: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

/** Launches chromium headless with a new profile in `dir`. */
export async function launchBrowser(dir: string): Promise<TestBrowser> {
  // The fresh profile is chromium's --user-data-dir, which playwright sets from this path.
  const profile = await Deno.makeTempDir({ dir, prefix: "chromium-profile-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  const requests: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  return {
    context,
    requests,
    newPage: async (width = 1280, height = 800) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    close: () => context.close(),
  };
}

/** A running dashboard process. */
export interface Dashboard {
  url: string;
  proc: DaemonProcess;
  stop(): Promise<void>;
}

const CLI = new URL("../../tools/kubectl-directpv", import.meta.url).pathname;

/** Starts `kubectl-directpv dashboard --port 0` and waits for the URL it prints. */
export async function startDashboard(kubeconfig: string, dir: string): Promise<Dashboard> {
  const logFile = join(dir, "dashboard.log");
  const proc = await spawnDaemon({
    name: "dashboard",
    command: CLI,
    args: ["--kubeconfig", kubeconfig, "dashboard", "--port", "0"],
    logFile,
    env: { DIRECTPV_DENO: Deno.execPath(), NO_COLOR: "1" },
  });
  const url = await waitFor(async () => {
    const text = await Deno.readTextFile(logFile).catch(() => "");
    return /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(text)?.[1];
  }, { timeoutMs: 60_000, intervalMs: 100, description: "the dashboard to print its URL" });
  return { url, proc, stop: async () => void await stopProcess(proc, { graceMs: 5_000 }) };
}
