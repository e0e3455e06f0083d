/**
 * Rows as TabSeparated data (never SQL): ClickHouse parses TSV several times faster than
 * JSONEachRow, and a row is one string join instead of an object and a JSON.stringify. Values are
 * strings or finite numbers; a string's backslash, tab and line breaks are escaped as the format
 * requires, so no value can split a row or a column.
 */
export type TsvValue = string | number;

// eslint-disable-next-line no-control-regex
const special = /[\\\t\n\r\0]/;
// eslint-disable-next-line no-control-regex
const specials = /[\\\t\n\r\0]/g;
const escapes: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

export function tsvString(s: string): string {
  return special.test(s) ? s.replace(specials, (c) => escapes[c]!) : s;
}

/** One line (with its newline) of the values in column order. */
export function tsvLine(values: readonly TsvValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) line += "\t";
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`TSV: column ${i} is not a finite number (${v})`);
      line += String(v);
    } else line += tsvString(v);
  }
  return line + "\n";
}
