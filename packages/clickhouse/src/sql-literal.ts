/**
 * The one place where values become SQL text. ClickHouse 18.16 cannot bind query parameters, so
 * every value is rendered here as a typed, validated literal; everything else in a query is code
 * written by us. A query is an `Sql` value built with the `sql` tag, whose interpolations must be
 * `Sql` values too: a raw string in `${...}` is a type error and throws at run time, so input can
 * only enter a query through `lit`.
 */
export class Sql {
  /** Only this module makes Sql values; `text` is trusted by construction. */
  private constructor(readonly text: string) {}

  /** @internal */
  static trusted(text: string): Sql {
    return new Sql(text);
  }

  toString(): string {
    return this.text;
  }
}

export class SqlLiteralError extends Error {}

/** Tagged template: sql`SELECT ... WHERE user_id = ${lit.string(id)}`; parts are code, values Sql. */
export function sql(parts: TemplateStringsArray, ...values: Sql[]): Sql {
  if (!Array.isArray(parts) || !Array.isArray((parts as { raw?: unknown }).raw)) {
    throw new SqlLiteralError("sql must be used as a tagged template");
  }
  let text = parts[0] ?? "";
  values.forEach((v, i) => {
    if (!(v instanceof Sql))
      throw new SqlLiteralError(`sql: interpolation ${i} is not an Sql value; use lit.*`);
    text += v.text + (parts[i + 1] ?? "");
  });
  return Sql.trusted(text);
}

/** Join fragments with a separator written in code (", ", " AND "). */
export function joinSql(items: readonly Sql[], separator: ", " | " AND " | " OR " | "\n"): Sql {
  return Sql.trusted(items.map((i) => i.text).join(separator));
}

// ClickHouse string literal escapes; anything else below 0x20 or 0x7f is written as \xHH.
const escapes: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\0": "\\0",
  "\b": "\\b",
  "\f": "\\f",
};

// A lone surrogate cannot be encoded as UTF-8 (it would silently become U+FFFD).
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function quote(s: string): string {
  if (loneSurrogate.test(s)) throw new SqlLiteralError("string literal holds a lone UTF-16 surrogate");
  // eslint-disable-next-line no-control-regex
  return `'${s.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => escapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}'`;
}

const intRanges = {
  UInt8: [0n, 255n],
  UInt16: [0n, 65_535n],
  UInt32: [0n, 4_294_967_295n],
  UInt64: [0n, 18_446_744_073_709_551_615n],
  Int32: [-2_147_483_648n, 2_147_483_647n],
  Int64: [-9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n],
} as const;
export type IntType = keyof typeof intRanges;

function integer(n: number | bigint, type: IntType): Sql {
  if (typeof n === "number" && !Number.isSafeInteger(n)) {
    throw new SqlLiteralError(`${type} literal must be a safe integer, got ${n}`);
  }
  if (typeof n !== "number" && typeof n !== "bigint")
    throw new SqlLiteralError(`${type} literal: not a number`);
  const [min, max] = intRanges[type];
  const b = BigInt(n);
  if (b < min || b > max) throw new SqlLiteralError(`${type} literal out of range: ${b}`);
  // The cast keeps the type exact (a bare 300 would be UInt16) and negative numbers unambiguous.
  return Sql.trusted(`to${type}(${b})`);
}

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimeRe = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** A real calendar date in the years DateTime can hold (1970-2105). */
function checkCalendar(y: string, m: string, d: string, what: string, input: string): void {
  const year = Number(y);
  const t = new Date(`${y}-${m}-${d}T00:00:00Z`);
  const ok = !Number.isNaN(t.getTime()) && t.toISOString().startsWith(`${y}-${m}-${d}`);
  if (!ok || year < 1970 || year > 2105)
    throw new SqlLiteralError(`${what} literal is not a valid date: ${input}`);
}

function date(s: string): Sql {
  const m = dateRe.exec(s);
  if (!m) throw new SqlLiteralError(`Date literal must be "YYYY-MM-DD", got ${JSON.stringify(s)}`);
  checkCalendar(m[1]!, m[2]!, m[3]!, "Date", s);
  return Sql.trusted(`toDate('${s}')`);
}

/** A UTC instant (Date) or a wall-clock "YYYY-MM-DD HH:mm:ss" read as UTC, as DateTime('UTC'). */
function dateTime(v: Date | string): Sql {
  let text: string;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new SqlLiteralError("DateTime literal: invalid Date");
    text = v.toISOString().slice(0, 19).replace("T", " ");
  } else {
    const m = dateTimeRe.exec(v);
    if (!m)
      throw new SqlLiteralError(`DateTime literal must be "YYYY-MM-DD HH:mm:ss", got ${JSON.stringify(v)}`);
    checkCalendar(m[1]!, m[2]!, m[3]!, "DateTime", v);
    if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) {
      throw new SqlLiteralError(`DateTime literal has an invalid time: ${v}`);
    }
    text = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  }
  if (text < "1970-01-01 00:00:00" || text > "2105-12-31 23:59:59") {
    throw new SqlLiteralError(`DateTime literal out of range: ${text}`);
  }
  return Sql.trusted(`toDateTime('${text}', 'UTC')`);
}

function float(n: number): Sql {
  if (!Number.isFinite(n)) throw new SqlLiteralError(`Float64 literal must be finite, got ${n}`);
  return Sql.trusted(`toFloat64(${n})`);
}

/** A non-empty list for `x IN (...)`; callers skip the filter when there is nothing to match. */
function inList(items: readonly Sql[]): Sql {
  if (items.length === 0) throw new SqlLiteralError("IN list must not be empty");
  return Sql.trusted(`(${items.map((i) => i.text).join(", ")})`);
}

function array(items: readonly Sql[]): Sql {
  return Sql.trusted(`[${items.map((i) => i.text).join(", ")}]`);
}

// Identifiers never come from input; these are the only names a query may choose at run time.
const identifierRe = /^[a-z_][a-z0-9_]{0,62}$/;
const knownIdentifiers = new Set([
  "punches",
  "users",
  "places",
  "device_states",
  "ingest_offsets",
  "journal_offsets",
  "schema_migrations",
  "place_rules",
  "user_changes",
]);

/** A table in a database; the table must be known and the database a plain lowercase name. */
function table(database: string, name: string): Sql {
  if (!identifierRe.test(database))
    throw new SqlLiteralError(`bad database name ${JSON.stringify(database)}`);
  if (!knownIdentifiers.has(name)) throw new SqlLiteralError(`unknown table ${JSON.stringify(name)}`);
  return Sql.trusted(`${database}.${name}`);
}

/** A database name (from configuration, validated as a plain lowercase identifier). */
function database(name: string): Sql {
  if (!identifierRe.test(name)) throw new SqlLiteralError(`bad database name ${JSON.stringify(name)}`);
  return Sql.trusted(name);
}

export const lit = {
  string: (s: string): Sql => {
    if (typeof s !== "string") throw new SqlLiteralError("String literal: not a string");
    return Sql.trusted(quote(s));
  },
  uint8: (n: number): Sql => integer(n, "UInt8"),
  uint32: (n: number): Sql => integer(n, "UInt32"),
  uint64: (n: number | bigint): Sql => integer(n, "UInt64"),
  int32: (n: number): Sql => integer(n, "Int32"),
  int64: (n: number | bigint): Sql => integer(n, "Int64"),
  float,
  date,
  dateTime,
  inList,
  array,
  strings: (xs: readonly string[]): Sql[] => xs.map((s) => lit.string(s)),
  table,
  database,
};
