/**
 * Takes the README's screenshots of the dashboard: a local control plane with 48 drives on
 * six nodes (one Lost, one failing), 30 volumes and a few events, each view captured by
 * chromium into docs/dashboard-<view>.png.
 *
 *   deno run -A harness/dashboard/screenshots.ts
 */
import { join } from "node:path";
import { connectKube } from "../../lib/k8s/mod.ts";
import { startCluster } from "../cluster/mod.ts";
import { removePath } from "../lib/mod.ts";
import { launchBrowser, startDashboard } from "./browser.ts";
import { driveEvent, failDrive, installCrds, seed } from "./seed.ts";

const DOCS = new URL("../../docs/", import.meta.url).pathname;
const VIEWS = ["overview", "drives", "volumes", "events"];

const dir = await Deno.makeTempDir({ prefix: "directpv-screenshots-" });
const cluster = await startCluster({ workDir: join(dir, "cluster"), withControllerManager: false });
try {
  const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath });
  await installCrds(kube);
  const drives = await seed(kube, { nodes: 6, drivesPerNode: 8, volumes: 30 });
  const [mounted, failing] = drives;
  if (!mounted || !failing) throw new Error("Cannot seed drives");
  await failDrive(kube, failing.metadata.name ?? "");
  await driveEvent(kube, mounted, {
    type: "Normal",
    reason: "DriveMounted",
    message: "Drive mounted at the node; status is Ready",
  });
  await driveEvent(kube, failing, {
    type: "Warning",
    reason: "DriveHasIOError",
    message: 'Cannot read device "sdc": Input/output error',
  });
  const dashboard = await startDashboard(cluster.kubeconfigPath, dir);
  const browser = await launchBrowser(dir);
  try {
    const page = await browser.newPage(1280, 820);
    for (const view of VIEWS) {
      await page.goto(`${dashboard.url}#/${view}`);
      await page.locator("table tbody tr").first().waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(DOCS, `dashboard-${view}.png`) });
      console.error(`Wrote docs/dashboard-${view}.png`);
    }
  } finally {
    await browser.close();
    await dashboard.stop();
  }
} finally {
  await cluster.stop();
  await removePath(dir);
}
