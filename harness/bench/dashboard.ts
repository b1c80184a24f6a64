/**
 * Dashboard benchmark: a local control plane with 10,000 drives (100 nodes × 100) and 2,000
 * volumes, the dashboard process started on it, and chromium loading its views. Prints the
 * time to the first synced state, page load times (navigation to the first rows shown), the
 * time of a sorted page request and the dashboard process's resident memory.
 *
 *   deno run -A harness/bench/dashboard.ts [--drives N]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connectKube } from "../../lib/k8s/mod.ts";
import { startCluster } from "../cluster/mod.ts";
import { launchBrowser, startDashboard } from "../dashboard/browser.ts";
import { installCrds, seed } from "../dashboard/seed.ts";
import { processRss, removePath, waitFor } from "../lib/mod.ts";

const { values } = parseArgs({ args: Deno.args, options: { drives: { type: "string" } } });
const DRIVES = Number(values.drives ?? 10_000);
const PER_NODE = 100;
const MiB = 1024 ** 2;

function say(line: string): void {
  console.log(line);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - start)];
}

const dir = await Deno.makeTempDir({ prefix: "directpv-bench-dashboard-" });
const cluster = await startCluster({ workDir: join(dir, "cluster"), withControllerManager: false });
try {
  const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
  await installCrds(kube);
  const nodes = Math.ceil(DRIVES / PER_NODE);
  const [, seedMs] = await timed(() =>
    seed(kube, { nodes, drivesPerNode: PER_NODE, volumes: DRIVES / 5, parallel: 48 })
  );
  say(`seeded ${DRIVES} drives on ${nodes} nodes, ${DRIVES / 5} volumes in ${seedMs} ms`);
  const [dashboard, startMs] = await timed(() => startDashboard(cluster.kubeconfigPath, dir));
  const [, syncMs] = await timed(() =>
    waitFor(async () => {
      const res = await fetch(`${dashboard.url}api/overview`);
      const body = await res.json();
      return body.synced && body.overview.drives === DRIVES;
    }, { timeoutMs: 300_000, intervalMs: 100, description: "the dashboard to sync" })
  );
  say(`dashboard: URL printed after ${startMs} ms, caches synced ${syncMs} ms later`);
  const idle = await processRss(dashboard.proc.pid);
  say(`dashboard RSS after sync: ${Math.round((idle ?? 0) / MiB)} MiB`);
  const [, sortMs] = await timed(async () =>
    await (await fetch(`${dashboard.url}api/drives?sort=free&desc=true&limit=100`)).json()
  );
  say(`GET /api/drives sorted by free space (100 of ${DRIVES}): ${sortMs} ms`);
  const browser = await launchBrowser(dir);
  try {
    const page = await browser.newPage();
    for (const view of ["overview", "drives", "volumes"]) {
      const [, loadMs] = await timed(async () => {
        await page.goto(`${dashboard.url}#/${view}`);
        await page.reload();
        await page.locator("table tbody tr").first().waitFor({ timeout: 60_000 });
      });
      say(`page load, ${view}: ${loadMs} ms (navigation to the first rows shown)`);
    }
  } finally {
    await browser.close();
  }
  const busy = await processRss(dashboard.proc.pid);
  say(`dashboard RSS after the page loads: ${Math.round((busy ?? 0) / MiB)} MiB`);
  await dashboard.stop();
} finally {
  await cluster.stop();
  await removePath(dir);
}
