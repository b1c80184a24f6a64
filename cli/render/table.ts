/**
 * Tables in DirectPV's light box style (`┌─┬┐`), driven by column definitions. Empty cells
 * print `-`. Rows are not separated, only the header is; cells are left-aligned with one
 * space of padding on each side.
 *
 * Drawn here in one pass over the cells (display width from `string-width`, so wide and
 * colored text lines up): a general table layout engine spends seconds on the 10,000-row
 * lists a fleet has, for a style this simple.
 */
import stringWidth from "string-width";

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

// Most cells are printable ASCII, one column per character; string-width's work (ANSI
// stripping, East Asian width tables) is then wasted, and it is most of a 10,000-row table.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function displayWidth(cell: string): number {
  return PRINTABLE_ASCII.test(cell) ? cell.length : stringWidth(cell);
}

function text(value: string | number | undefined): string {
  if (value === undefined) return "-";
  const s = String(value).replaceAll("\n", " ");
  return s === "" ? "-" : s;
}

/** A border line: `left`, then each column's rule joined by `middle`, then `right`. */
function border(widths: readonly number[], left: string, middle: string, right: string): string {
  return left + widths.map((w) => "─".repeat(w + 2)).join(middle) + right;
}

function line(cells: readonly string[], sizes: readonly number[], widths: readonly number[]) {
  const padded = cells.map((cell, i) =>
    ` ${cell}${" ".repeat((widths[i] ?? 0) - (sizes[i] ?? 0))} `
  );
  return `│${padded.join("│")}│`;
}

/** Renders rows as a table, ending with a newline. */
export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: TableOptions = {},
): string {
  const head = (options.headers ?? true) ? columns.map((c) => c.header) : undefined;
  const cells = rows.map((row) => columns.map((c) => text(c.cell(row))));
  const all = head ? [head, ...cells] : cells;
  const sizes = all.map((row) => row.map(displayWidth));
  const widths = columns.map((_, i) => sizes.reduce((w, row) => Math.max(w, row[i] ?? 0), 0));
  const out = [border(widths, "┌", "┬", "┐")];
  all.forEach((row, i) => {
    out.push(line(row, sizes[i] ?? [], widths));
    if (head && i === 0) out.push(border(widths, "├", "┼", "┤"));
  });
  out.push(border(widths, "└", "┴", "┘"));
  return `${out.join("\n")}\n`;
}
