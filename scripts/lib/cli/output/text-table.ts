/**
 * Tables as the commands print them: columns padded to the widest cell by the columns a terminal
 * gives each character (a CJK character takes two, a combining accent none), so cohort names in any
 * script keep the columns straight. The last column is never padded.
 */
import stringWidth from "string-width";

/** Pads `text` with spaces to `width` terminal columns. */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - stringWidth(text)));
}

/** Rows (the first being the header) as lines, two spaces between columns. */
export function renderTable(rows: ReadonlyArray<readonly string[]>): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(0, ...rows.map((row) => stringWidth(row[column] ?? ""))),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : padToWidth(cell, widths[column])))
      .join("  ")
      .trimEnd(),
  );
}
