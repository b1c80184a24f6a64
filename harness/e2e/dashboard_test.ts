/**
 * The web dashboard in a real browser (Debian's chromium through playwright-core) against the
 * control plane (DIRECTPV_E2E_KUBECONFIG): the views render the objects that exist, a drive
 * failing on the API server turns red on the page without a reload, the filters narrow the
 * table, and the page requests nothing but the dashboard's own origin.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { connectKube } from "../../lib/k8s/mod.ts";
import { LABELS } from "../../lib/types/mod.ts";
import { CHROMIUM, launchBrowser, startDashboard } from "../dashboard/browser.ts";
import { driveEvent, failDrive, installCrds, seed } from "../dashboard/seed.ts";
import { removePath, testGate, waitFor } from "../lib/mod.ts";

const KUBECONFIG = Deno.env.get("DIRECTPV_E2E_KUBECONFIG") ?? "";
const RUN = crypto.randomUUID().slice(0, 6);
const PREFIX = `dash-${RUN}-`;

const ROWS = (table: string) => `table[aria-label="${table}"] tbody tr`;

/** Waits until the table shows `count` rows (polled: the page's CSP forbids eval). */
async function rowsToBe(page: Page, table: string, count: number): Promise<void> {
  await waitFor(async () => (await page.locator(ROWS(table)).count()) === count, {
    timeoutMs: 10_000,
    intervalMs: 50,
    description: `${count} rows in the ${table} table`,
  });
}

const gate = await testGate("dashboard browser tests", { commands: [CHROMIUM] });

Deno.test({
  name: "dashboard: views, live updates, filters, no outside requests",
  ignore: gate.ignore || KUBECONFIG === "",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    gate.assert();
    const kube = await connectKube({ kubeconfig: KUBECONFIG });
    await installCrds(kube);
    const drives = await seed(kube, { nodes: 3, drivesPerNode: 4, volumes: 5, nodePrefix: PREFIX });
    const [first] = drives;
    assert.ok(first);
    await driveEvent(kube, first, {
      type: "Warning",
      reason: "DriveHasIOError",
      message: `probe ${RUN}`,
    });
    const dir = await Deno.makeTempDir({ prefix: "directpv-dashboard-" });
    const dashboard = await startDashboard(KUBECONFIG, dir);
    const browser = await launchBrowser(dir);
    try {
      const page = await browser.newPage();
      await t.step("the overview shows the nodes and their capacity", async () => {
        await page.goto(dashboard.url);
        await page.locator(`table[aria-label="Nodes"] tr[data-key="${PREFIX}01"]`).waitFor();
        const bar = page.getByRole("meter", { name: `Capacity of ${PREFIX}02` });
        assert.ok(Number(await bar.getAttribute("aria-valuenow")) > 0);
      });
      await t.step("the drives view lists the drives of a node", async () => {
        await page.getByRole("link", { name: "Drives" }).click();
        await page.getByLabel("Node").selectOption(`${PREFIX}03`);
        await rowsToBe(page, "Drives", 4);
        for (const text of await page.locator(ROWS("Drives")).allInnerTexts()) {
          assert.match(text, new RegExp(`${PREFIX}03`));
        }
      });
      const ready = drives.find((d) =>
        d.status.status === "Ready" && d.metadata.labels?.[LABELS.node] === `${PREFIX}03`
      );
      assert.ok(ready);
      const id = ready.metadata.name ?? "";
      const row = page.locator(`tr[data-key="${id}"]`);
      await t.step("a drive failing on the API server turns red without a reload", async () => {
        await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 1));
        assert.equal(await row.getAttribute("class"), "");
        await failDrive(kube, id);
        await page.locator(`tr[data-key="${id}"].bad`).waitFor({ timeout: 10_000 });
        assert.match(await row.innerText(), /Error/);
        assert.match(await row.innerText(), /IOError: Drive has I\/O error/);
        const color = await page.evaluate(
          `getComputedStyle(document.querySelector('tr[data-key="${id}"] td')).color`,
        );
        assert.equal(color, "rgb(198, 40, 40)");
        const kept = await page.evaluate(() =>
          (globalThis as unknown as { marker?: number }).marker
        );
        assert.equal(kept, 1, "the page was not reloaded");
      });
      await t.step("the filters narrow the table", async () => {
        await page.getByLabel("Health").selectOption("failing");
        await rowsToBe(page, "Drives", 1);
        await page.getByLabel("Health").selectOption("");
        await page.getByLabel("Node").selectOption("");
        await page.getByLabel("Search drives").fill(id.slice(0, 13));
        await rowsToBe(page, "Drives", 1);
        assert.equal(await row.count(), 1);
      });
      await t.step("the volumes view shows claims and pods", async () => {
        await page.getByRole("link", { name: "Volumes" }).click();
        await page.getByLabel("Search volumes").fill(PREFIX);
        await rowsToBe(page, "Volumes", 5);
        assert.match(await page.locator('table[aria-label="Volumes"]').innerText(), /data-minio-0/);
      });
      await t.step("the events view shows recent events", async () => {
        await page.getByRole("link", { name: "Events" }).click();
        await page.getByText(`probe ${RUN}`).waitFor();
      });
      await t.step("the page requested nothing outside the dashboard", () => {
        const origin = new URL(dashboard.url).origin;
        const outside = browser.requests.filter((u) => new URL(u).origin !== origin);
        assert.ok(browser.requests.length > 5);
        assert.deepEqual(outside, []);
      });
    } finally {
      await browser.close();
      await dashboard.stop();
      await removePath(dir);
    }
  },
});
