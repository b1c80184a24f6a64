/// <reference lib="dom" />
/**
 * The page's link to the dashboard process: JSON reads and the change stream. Nothing here
 * leaves the page's own origin.
 */
import { useEffect, useState } from "preact/hooks";
import type { ApiStatus, ChangeKind } from "../../../lib/admin/mod.ts";

/** Query parameters; empty values are left out. */
export type Params = Record<string, string | number | boolean | undefined>;

/** GETs `path` with `params` and parses the JSON reply. */
export async function getJson<T>(
  path: string,
  params: Params = {},
  signal?: AbortSignal,
): Promise<T> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== "" && v !== false) query.set(k, String(v));
  }
  const res = await fetch(`${path}${query.size ? `?${query}` : ""}`, signal ? { signal } : {});
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return await res.json() as T;
}

/** What the change stream says. */
export interface Live {
  /** Bumped for each kind on every change of it. */
  ticks: Record<ChangeKind, number>;
  api: ApiStatus;
  synced: boolean;
  /** Whether the stream to the dashboard process is open. */
  connected: boolean;
}

interface StreamMessage {
  kinds?: ChangeKind[];
  api: ApiStatus;
  synced: boolean;
}

const NO_TICKS: Record<ChangeKind, number> = { drives: 0, volumes: 0, events: 0, api: 0 };

/** Follows `/api/stream`; EventSource reconnects by itself after a drop. */
export function useLive(): Live {
  const [live, setLive] = useState<Live>({
    ticks: NO_TICKS,
    api: { reachable: true, since: "" },
    synced: false,
    connected: true,
  });
  useEffect(() => {
    const source = new EventSource("/api/stream");
    const update = (event: MessageEvent<string>) => {
      const msg = JSON.parse(event.data) as StreamMessage;
      setLive((old) => {
        const ticks = { ...old.ticks };
        // A (re)connection may follow missed changes: refresh everything.
        const kinds = msg.kinds ?? (Object.keys(ticks) as ChangeKind[]);
        for (const kind of kinds) ticks[kind]++;
        return { ticks, api: msg.api, synced: msg.synced, connected: true };
      });
    };
    source.addEventListener("hello", update);
    source.addEventListener("change", update);
    source.onerror = () => setLive((old) => ({ ...old, connected: false }));
    return () => source.close();
  }, []);
  return live;
}

/** Fetches `path` again whenever `deps` change; keeps the last data while loading. */
export function useJson<T>(path: string, params: Params, deps: unknown[]): T | undefined {
  const [data, setData] = useState<T | undefined>(undefined);
  const key = JSON.stringify(params);
  useEffect(() => {
    const abort = new AbortController();
    getJson<T>(path, params, abort.signal).then(setData, () => {});
    return () => abort.abort();
  }, [path, key, ...deps]);
  return data;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `1073741824` → `1.0 GiB`. */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Allocated share as a percentage, `0` for an empty total. */
export function percent(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 1000) / 10 : 0;
}
