import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { finished } from "node:stream/promises";
import { InsertQueue } from "./insert-queue.js";
import { RowBinaryInsert } from "./row-binary-insert.js";
import { lit, type Sql } from "./sql-literal.js";

export type TableName =
  | "punches"
  | "users"
  | "places"
  | "device_states"
  | "ingest_offsets"
  | "journal_offsets"
  | "schema_migrations"
  | "place_rules"
  | "user_changes";

export interface ClickHouseDbOptions {
  /** HTTP interface, e.g. http://127.0.0.1:8123 */
  url: string;
  /** Default "biometricflow"; tests sharing one server (CLICKHOUSE_URL) use their own. */
  database?: string;
  /** A request that takes longer fails (and ingest retries it). Default 60 s. */
  requestTimeoutMs?: number;
  username?: string;
  password?: string;
}

const columnRe = /^[a-z_][a-z0-9_]{0,62}$/;

/** Rows of one JSON insert at most: concurrent small inserts into a table share one. */
const MAX_SHARED_INSERT_ROWS = 100_000;

/**
 * The only door to ClickHouse: statements are `Sql` values (see sql-literal.ts), inserts send rows
 * as JSONEachRow or RowBinary bodies (data, never SQL text). 64-bit integers come back as
 * strings in JSON.
 */
export class ClickHouseDb {
  readonly url: string;
  readonly database: string;
  private readonly client: ClickHouseClient;
  private readonly queues = new Map<TableName, InsertQueue<readonly object[]>>();

  constructor(o: ClickHouseDbOptions) {
    this.url = o.url;
    this.database = o.database ?? "biometricflow";
    lit.database(this.database); // validates the name once, here
    this.client = createClient({
      url: o.url,
      username: o.username ?? "default",
      password: o.password ?? "",
      request_timeout: o.requestTimeoutMs ?? 60_000,
      // Failures are ours to report (ingest retries them); the client would log each at ERROR.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** `database.table`, for use inside sql`...`. */
  table(name: TableName): Sql {
    return lit.table(this.database, name);
  }

  async rows<T>(query: Sql, signal?: AbortSignal): Promise<T[]> {
    const result = await this.client.query({
      query: query.text,
      format: "JSONEachRow",
      abort_signal: signal,
    });
    return result.json<T>();
  }

  /**
   * Rows as arrays of values in the order of the SELECT list (JSONCompact): for large results,
   * far less to send and parse than an object per row. 64-bit integers still come as strings.
   */
  async arrays<T extends unknown[]>(query: Sql, signal?: AbortSignal): Promise<T[]> {
    const result = await this.client.query({
      query: query.text,
      format: "JSONCompact",
      abort_signal: signal,
    });
    return (await result.json<T>()).data;
  }

  /**
   * The result in RowBinary (read it with RowBinaryReader): numbers as bytes, for results too
   * large to parse as JSON quickly.
   */
  async rowBinary(query: Sql, signal?: AbortSignal): Promise<Buffer> {
    const result = await this.client.exec({ query: `${query.text}\nFORMAT RowBinary`, abort_signal: signal });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Rows in the batches the server sends them, without holding the whole result. */
  async *stream<T>(query: Sql, signal?: AbortSignal): AsyncGenerator<T[]> {
    const result = await this.client.query({
      query: query.text,
      format: "JSONEachRow",
      abort_signal: signal,
    });
    try {
      for await (const batch of result.stream<T>()) yield batch.map((row) => row.json<T>());
    } finally {
      result.close();
    }
  }

  async command(statement: Sql): Promise<void> {
    await this.client.command({ query: statement.text });
  }

  /**
   * Rows as JSONEachRow. Inserts into the same table made while one runs go out together as the
   * next (InsertQueue): each small insert is a new part on the server.
   */
  insert(table: TableName, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    let queue = this.queues.get(table);
    if (!queue) {
      queue = new InsertQueue(
        (groups) =>
          this.client
            .insert({ table: this.table(table).text, values: groups.flat(), format: "JSONEachRow" })
            .then(() => undefined),
        MAX_SHARED_INSERT_ROWS,
      );
      this.queues.set(table, queue);
    }
    return queue.add(rows, rows.length);
  }

  /**
   * An INSERT of rows already encoded as RowBinary in `columns` order (the punches bulk path),
   * its body written while it runs (see RowBinaryInsert): values in the columns' own binary
   * layout, which the server copies into its blocks instead of parsing text, and which ClickHouse
   * 18.16 and current releases read alike. Column names are code, not input.
   */
  openRowBinaryInsert(table: TableName, columns: readonly string[]): RowBinaryInsert {
    if (columns.length === 0 || !columns.every((c) => columnRe.test(c)))
      throw new Error(`openRowBinaryInsert: bad column list ${JSON.stringify(columns)}`);
    const query = `INSERT INTO ${this.table(table).text} (${columns.join(", ")}) FORMAT RowBinary`;
    return new RowBinaryInsert(async (values) => {
      const { stream } = await this.client.exec({ query, values });
      // The reply is empty; read it to the end so the connection goes back to the pool.
      stream.resume();
      await finished(stream);
    });
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping()).success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
