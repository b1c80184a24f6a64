/**
 * Tables in DirectPV's light box style (`┌─┬┐`), driven by column definitions. Empty cells
 * print `-`. Rows are not separated, only the header is.
 *
 * cli-table3 lays a table out in time quadratic in its rows, so long tables are drawn in
 * chunks that share the column widths of the whole table and are stitched together.
 */
import Table from "cli-table3";

/** One column: its header and how a row's cell is computed. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string | number | undefined;
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Print the header row (default true; `--no-headers` turns it off). */
  headers?: boolean;
}

/** Rows per cli-table3 table when a long table is drawn in chunks. */
export const CHUNK_ROWS = 100;

function text(value: string | number | undefined): string {
  if (value === undefined) return "-";
  const s = String(value);
  return s === "" ? "-" : s;
}

function draw(head: string[] | undefined, rows: string[][], colWidths?: number[]): string[] {
  const table = new Table({
    ...(head ? { head } : {}),
    ...(colWidths ? { colWidths } : {}),
    style: { head: [], border: [], compact: true },
  });
  for (const row of rows) table.push(row);
  return table.toString().split("\n");
}

/** Column widths (padding included) read from a drawn table's top border. */
function widthsOf(lines: string[]): number[] {
  const top = lines[0] ?? "";
  return top.slice(1, -1).split("┬").map((segment) => segment.length);
}

function chunked(head: string[] | undefined, rows: string[][]): string[] {
  const chunks: string[][][] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) chunks.push(rows.slice(i, i + CHUNK_ROWS));
  const widths = chunks
    .map((chunk) => widthsOf(draw(head, chunk)))
    .reduce((a, b) => a.map((w, i) => Math.max(w, b[i] ?? 0)));
  return chunks.flatMap((chunk, i) => {
    const lines = draw(i === 0 ? head : undefined, chunk, widths);
    const first = i === 0 ? 0 : 1;
    const last = i === chunks.length - 1 ? lines.length : lines.length - 1;
    return lines.slice(first, last);
  });
}

/** Renders rows as a table, ending with a newline. */
export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: TableOptions = {},
): string {
  const head = (options.headers ?? true) ? columns.map((c) => c.header) : undefined;
  const cells = rows.map((row) => columns.map((c) => text(c.cell(row))));
  const lines = cells.length > CHUNK_ROWS ? chunked(head, cells) : draw(head, cells);
  return `${lines.join("\n")}\n`;
}
