/**
 * The Helm side of a release: the chart packed as Helm packs it (`directpv-<version>.tgz`, the
 * chart directory at its root) and a chart repository index (`index.yaml`) naming it with its
 * digest, so that the release directory served over HTTP is a Helm repository.
 */
import { parse, stringify } from "yaml";
import { sha256File, tarGz } from "./krew.ts";

/** What `index.yaml` repeats of `Chart.yaml`. */
interface ChartMeta {
  apiVersion: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  type?: string;
  keywords?: string[];
}

async function chartMeta(chartDir: string): Promise<ChartMeta> {
  const meta = parse(await Deno.readTextFile(`${chartDir}/Chart.yaml`)) as ChartMeta;
  if (!meta.name || !meta.version) {
    throw new Error(`${chartDir}/Chart.yaml names no chart name or version`);
  }
  return meta;
}

/**
 * Packs the chart in `chartDir` (whose base name is the chart's name) into
 * `<outDir>/<name>-<version>.tgz` with fixed owners and times; returns the file name.
 */
async function packChart(chartDir: string, meta: ChartMeta, outDir: string, mtime: number) {
  const file = `${meta.name}-${meta.version}.tgz`;
  const parent = chartDir.replace(/\/[^/]+\/?$/, "");
  await tarGz(parent, [meta.name], `${outDir}/${file}`, mtime);
  return file;
}

/**
 * Writes the chart package and `index.yaml` (packages served from `baseUrl`) into `outDir`;
 * returns the names of the files written.
 */
export async function writeHelmRepository(
  chartDir: string,
  outDir: string,
  baseUrl: string,
  created: number,
): Promise<string[]> {
  const meta = await chartMeta(chartDir);
  const file = await packChart(chartDir, meta, outDir, created);
  const date = new Date(created * 1000).toISOString();
  const index = {
    apiVersion: "v1",
    entries: {
      [meta.name]: [{
        ...meta,
        created: date,
        digest: await sha256File(`${outDir}/${file}`),
        urls: [`${baseUrl.replace(/\/$/, "")}/${file}`],
      }],
    },
    generated: date,
  };
  await Deno.writeTextFile(`${outDir}/index.yaml`, stringify(index, { indentSeq: false }));
  return [file, "index.yaml"];
}
