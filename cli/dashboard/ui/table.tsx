/** @jsxImportSource preact */
/// <reference lib="dom" />
/** A server-paged, server-sorted table: the page asks for one page of rows at a time. */
import type { ComponentChildren, JSX } from "preact";

/** One column: its header, the row field it sorts by, and how a cell looks. */
export interface Column<T> {
  title: string;
  sort?: string;
  cell: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/** Sorting and paging state of a table. */
export interface TableState {
  sort: string;
  desc: boolean;
  offset: number;
}

interface Props<T> {
  label: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  total: number;
  limit: number;
  state: TableState;
  onState: (state: TableState) => void;
  rowKey: (row: T) => string;
  rowClass?: (row: T) => string;
}

/** The table with sortable headers and previous/next paging. */
export function PagedTable<T>(props: Props<T>): JSX.Element {
  const { state, total, limit } = props;
  const sortBy = (column: Column<T>) => {
    if (!column.sort) return;
    const desc = state.sort === column.sort ? !state.desc : false;
    props.onState({ sort: column.sort, desc, offset: 0 });
  };
  const last = Math.min(state.offset + limit, total);
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th
                key={c.title}
                class={`${c.sort ? "sortable" : ""} ${c.numeric ? "num" : ""}`}
                aria-sort={state.sort === c.sort
                  ? (state.desc ? "descending" : "ascending")
                  : undefined}
                onClick={() => sortBy(c)}
              >
                {c.title}
                {state.sort === c.sort ? (state.desc ? " ▾" : " ▴") : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(props.rows ?? []).map((row) => (
            <tr key={props.rowKey(row)} data-key={props.rowKey(row)} class={props.rowClass?.(row)}>
              {props.columns.map((c) => (
                <td key={c.title} class={c.numeric ? "num" : ""}>{c.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows && props.rows.length === 0 && <p class="empty">Nothing matches.</p>}
      <div class="pager">
        <span class="count">
          {total === 0 ? "0" : `${state.offset + 1}–${last}`} of {total.toLocaleString("en")}
        </span>
        <button
          type="button"
          disabled={state.offset === 0}
          onClick={() => props.onState({ ...state, offset: Math.max(0, state.offset - limit) })}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={last >= total}
          onClick={() => props.onState({ ...state, offset: state.offset + limit })}
        >
          Next
        </button>
      </div>
    </div>
  );
}
