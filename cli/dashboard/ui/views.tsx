/** @jsxImportSource preact */
/// <reference lib="dom" />
/** The four views: overview, drives, volumes, events. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type {
  DriveRow,
  EventRow,
  NodeSummary,
  Overview,
  Page,
  VolumeRow,
} from "../../../lib/admin/mod.ts";
import { bytes, type Live, percent, useJson } from "./api.ts";
import { type Column, PagedTable, type TableState } from "./table.tsx";

const PAGE_SIZE = 100;
const STATUSES = ["Ready", "Lost", "Error", "Removed", "Moving", "Repairing"];
const HEALTH = ["healthy", "failing", "lost", "busy"];

function Bar(props: { used: number; total: number; label: string }) {
  const share = percent(props.used, props.total);
  const level = share >= 95 ? "full" : share >= 85 ? "high" : "ok";
  return (
    <div
      class="bar"
      role="meter"
      aria-label={props.label}
      aria-valuenow={share}
      aria-valuemin={0}
      aria-valuemax={100}
      title={`${bytes(props.used)} of ${bytes(props.total)} allocated`}
    >
      <div class={`fill ${level}`} style={{ width: `${Math.min(share, 100)}%` }} />
      <span>{share}% · {bytes(props.total - props.used)} free</span>
    </div>
  );
}

function Card(props: { title: string; value: string | number; tone?: string }) {
  return (
    <div class={`card ${props.tone ?? ""}`}>
      <div class="value">{props.value}</div>
      <div class="title">{props.title}</div>
    </div>
  );
}

function NodeRow({ node }: { node: NodeSummary }) {
  return (
    <tr data-key={node.name} class={node.failing > 0 ? "bad" : ""}>
      <td>{node.name}</td>
      <td class="num">{node.drives}</td>
      <td class="num">{node.failing}</td>
      <td class="num">{bytes(node.size)}</td>
      <td class="wide">
        <Bar used={node.allocated} total={node.size} label={`Capacity of ${node.name}`} />
      </td>
    </tr>
  );
}

/** Cluster overview: totals, drives by status and health, capacity per node. */
export function OverviewView({ live }: { live: Live }): JSX.Element {
  const data = useJson<{ overview: Overview }>("/api/overview", {}, [
    live.ticks.drives,
    live.ticks.volumes,
  ]);
  if (!data) return <p class="loading">Loading…</p>;
  const o = data.overview;
  const failing = o.byHealth.failing + o.byHealth.lost;
  return (
    <section aria-label="Overview">
      <div class="cards">
        <Card title="Nodes" value={o.nodes.length} />
        <Card title="Drives" value={o.drives.toLocaleString("en")} />
        <Card title="Failing or lost" value={failing} tone={failing > 0 ? "bad" : "good"} />
        <Card title="Volumes" value={o.volumes.toLocaleString("en")} />
        <Card title="Capacity" value={bytes(o.size)} />
      </div>
      <h2>Cluster capacity</h2>
      <Bar used={o.allocated} total={o.size} label="Cluster capacity" />
      <h2>Drives by status</h2>
      <ul class="chips" aria-label="Drives by status">
        {Object.entries(o.byStatus).map(([status, count]) => (
          <li key={status} class={`chip status-${status.toLowerCase()}`} data-status={status}>
            {status} <b>{count}</b>
          </li>
        ))}
      </ul>
      <h2>Nodes</h2>
      <div class="table-wrap">
        <table aria-label="Nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th class="num">Drives</th>
              <th class="num">Failing</th>
              <th class="num">Size</th>
              <th>Allocated</th>
            </tr>
          </thead>
          <tbody>{o.nodes.map((n) => <NodeRow key={n.name} node={n} />)}</tbody>
        </table>
      </div>
    </section>
  );
}

/** `value` once it has not changed for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * A table the server pages, sorts and filters: a search text (sent once typing pauses) and
 * other filters. Changing either goes back to the first page.
 */
function useServerTable<T>(
  path: string,
  initial: { sort: string; filters: Record<string, string> },
  tick: number,
) {
  const [text, setText] = useState("");
  const [table, setTable] = useState<TableState>({ sort: initial.sort, desc: false, offset: 0 });
  const search = useDebounced(text, 250);
  const params = { text: search, ...initial.filters, ...table, limit: PAGE_SIZE };
  const page = useJson<Page<T>>(path, params, [tick]);
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    setTable({ ...table, offset: 0 });
  };
  const tableProps = {
    rows: page?.items,
    total: page?.total ?? 0,
    limit: PAGE_SIZE,
    state: table,
    onState: setTable,
  };
  return { text: { value: text, set: filter(setText) }, filter, tableProps };
}

/** The search box of a server-filtered table. */
function SearchBox(props: {
  label: string;
  placeholder: string;
  text: { value: string; set: (v: string) => void };
}) {
  return (
    <input
      type="search"
      aria-label={props.label}
      placeholder={props.placeholder}
      value={props.text.value}
      onInput={(e) => props.text.set((e.target as HTMLInputElement).value)}
    />
  );
}

function Select(props: {
  label: string;
  value: string;
  options: string[];
  onChange: (v: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select
        aria-label={props.label}
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        <option value="">All</option>
        {props.options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

function Labels({ labels }: { labels: Record<string, string> }) {
  return (
    <span class="labels">
      {Object.entries(labels).map(([k, v]) => <code key={k}>{k}={v}</code>)}
    </span>
  );
}

const DRIVE_COLUMNS: Column<DriveRow>[] = [
  { title: "Node", sort: "node", cell: (d) => d.node },
  { title: "Name", sort: "name", cell: (d) => d.name },
  { title: "Size", sort: "size", numeric: true, cell: (d) => bytes(d.size) },
  { title: "Free", sort: "free", numeric: true, cell: (d) => bytes(d.free) },
  { title: "Volumes", sort: "volumes", numeric: true, cell: (d) => d.volumes },
  {
    title: "Status",
    sort: "status",
    cell: (d) => <span class={`pill status-${d.status.toLowerCase()}`}>{d.status}</span>,
  },
  {
    title: "Health",
    sort: "health",
    cell: (d) => (
      <span class={`health ${d.health}`} title={d.problems.join("\n")}>
        {d.health}
        {d.problems.length > 0 && <small>{d.problems.join("; ")}</small>}
      </span>
    ),
  },
  { title: "Labels", cell: (d) => <Labels labels={d.labels} /> },
];

/** Every drive, filtered and sorted by the server. */
export function DrivesView({ live }: { live: Live }): JSX.Element {
  const [node, setNode] = useState("");
  const [status, setStatus] = useState("");
  const [health, setHealth] = useState("");
  const nodes = useJson<string[]>("/api/nodes", {}, [live.ticks.drives]) ?? [];
  const { text, filter, tableProps } = useServerTable<DriveRow>(
    "/api/drives",
    { sort: "node", filters: { node, status, health } },
    live.ticks.drives,
  );
  return (
    <section aria-label="Drives">
      <div class="filters">
        <SearchBox label="Search drives" placeholder="Search name, node, ID, label…" text={text} />
        <Select label="Node" value={node} options={nodes} onChange={filter(setNode)} />
        <Select label="Status" value={status} options={STATUSES} onChange={filter(setStatus)} />
        <Select label="Health" value={health} options={HEALTH} onChange={filter(setHealth)} />
      </div>
      <PagedTable
        label="Drives"
        columns={DRIVE_COLUMNS}
        {...tableProps}
        rowKey={(d) => d.id}
        rowClass={(d) => d.health === "failing" || d.health === "lost" ? "bad" : ""}
      />
    </section>
  );
}

const VOLUME_COLUMNS: Column<VolumeRow>[] = [
  { title: "Volume", sort: "name", cell: (v) => v.name },
  { title: "PVC", sort: "pvc", cell: (v) => v.pvc || "—" },
  { title: "Namespace", sort: "namespace", cell: (v) => v.namespace || v.podNamespace || "—" },
  { title: "Pod", sort: "pod", cell: (v) => v.pod || "—" },
  { title: "Node", sort: "node", cell: (v) => v.node },
  { title: "Drive", sort: "driveName", cell: (v) => <span title={v.drive}>{v.driveName}</span> },
  { title: "Size", sort: "size", numeric: true, cell: (v) => bytes(v.size) },
  {
    title: "Usage",
    sort: "used",
    cell: (v) => <Bar used={v.used} total={v.size} label={`Usage of ${v.name}`} />,
  },
  { title: "Status", sort: "status", cell: (v) => v.status },
];

/** Every volume with its claim, pod and drive. */
export function VolumesView({ live }: { live: Live }): JSX.Element {
  const { text, tableProps } = useServerTable<VolumeRow>(
    "/api/volumes",
    { sort: "name", filters: {} },
    live.ticks.volumes,
  );
  return (
    <section aria-label="Volumes">
      <div class="filters">
        <SearchBox
          label="Search volumes"
          placeholder="Search volume, PVC, pod, node…"
          text={text}
        />
      </div>
      <PagedTable
        label="Volumes"
        columns={VOLUME_COLUMNS}
        {...tableProps}
        rowKey={(v) => v.name}
      />
    </section>
  );
}

/** The newest events about DirectPV objects. */
export function EventsView({ live }: { live: Live }): JSX.Element {
  const events = useJson<EventRow[]>("/api/events", { limit: 200 }, [live.ticks.events]);
  if (!events) return <p class="loading">Loading…</p>;
  return (
    <section aria-label="Events">
      <div class="table-wrap">
        <table aria-label="Events">
          <thead>
            <tr>
              <th>Time</th>
              <th>Type</th>
              <th>Reason</th>
              <th>Object</th>
              <th>Node</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              <tr key={`${e.time}-${i}`} class={e.type === "Warning" ? "warn" : ""}>
                <td class="nowrap">{e.time.replace("T", " ").replace("Z", "")}</td>
                <td>{e.type}</td>
                <td>{e.reason}</td>
                <td title={e.kind}>{e.object}</td>
                <td>{e.node}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && <p class="empty">No events.</p>}
      </div>
    </section>
  );
}
