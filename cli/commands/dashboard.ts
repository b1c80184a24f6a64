/**
 * `dashboard`: serves the read-only web dashboard on 127.0.0.1 with the user's kubeconfig
 * until interrupted. It prints the URL and opens nothing; the page is bundled into the
 * binary (cli/dashboard/gen), so nothing is downloaded.
 */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { DashboardModel } from "../../lib/admin/mod.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";
import { DASHBOARD_ASSETS } from "../dashboard/gen/assets.ts";
import { dashboardHandler } from "../dashboard/server.ts";
import { UsageError } from "../exit_codes.ts";
import type { Runtime } from "./runtime.ts";

/** The port `dashboard` listens on unless told otherwise. */
export const DASHBOARD_PORT = 7780;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new UsageError(`Invalid port "${value}": expected 0 to 65535`);
  }
  return n;
}

/** Runs the dashboard until the run's signal aborts. */
async function serveDashboard(rt: Runtime, listenPort: number): Promise<void> {
  const serve = rt.ctx.serve;
  if (!serve) throw new UnavailableError("Cannot serve the dashboard from here");
  const model = new DashboardModel(await rt.kube());
  const handler = dashboardHandler({ source: model, assets: DASHBOARD_ASSETS });
  const stop = new AbortController();
  rt.ctx.signal?.addEventListener("abort", () => {
    handler.close();
    stop.abort();
  }, { once: true });
  model.start();
  try {
    const server = await serve({
      hostname: "127.0.0.1",
      port: listenPort,
      handler: handler.handle,
      signal: stop.signal,
    });
    rt.terminal().result(`http://127.0.0.1:${server.port}/\n`);
    rt.terminal().info("Serving the read-only dashboard; press Ctrl-C to stop");
    await server.finished;
  } finally {
    handler.close();
    await model.stop();
  }
}

/** The `dashboard` command. */
export function dashboardCommand(rt: Runtime): CommandUnknownOpts {
  return new Command("dashboard")
    .description("Serve a read-only web dashboard of drives and volumes on 127.0.0.1")
    .option("--port <port>", "Port to listen on (0 picks a free one)", String(DASHBOARD_PORT))
    .action(async (opts) => {
      await serveDashboard(rt, port(opts.port));
    });
}
