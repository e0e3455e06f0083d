// What every benchmark does the same way: read its whole-number flags, and print the machine it
// ran on and a table of its runs.
import { cpus, totalmem } from "node:os";

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
  };
}

/** One row per measure, one column per run, aligned for a terminal. */
export function table<R>(rows: [string, (r: R) => string | number][], results: readonly R[]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  const cols = results.map((r) => rows.map(([, f]) => String(f(r))));
  const colWidth = cols.map((c) => Math.max(...c.map((v) => v.length)));
  return rows
    .map(
      ([name], i) => `${name.padEnd(width)}  ${cols.map((c, j) => c[i]!.padStart(colWidth[j]!)).join("  ")}`,
    )
    .join("\n");
}

/** A whole-number flag, at least `min`; anything else stops the benchmark with the flag's name. */
export function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number >= ${min}, got ${value}`);
  return n;
}
