import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import { createLogger } from "@biometricflow/telemetry";
import { aggregatorConfigSchema, type AggregatorConfig } from "../src/config.js";
import { eventually as poll } from "../../../test/support/poll.js";
import { PunchStore } from "../src/store/punch-store.js";
import type { FakePlace } from "./fake-place.js";

export const quietLog = createLogger("aggregator-test", process.env.TEST_LOG_LEVEL ?? "silent");

/** Small batches and quick retries, so tests exercise batching and backoff in milliseconds. */
export function testConfig(
  places: readonly FakePlace[],
  changes: Record<string, unknown> = {},
): AggregatorConfig {
  return aggregatorConfigSchema.parse({
    places: places.map((p) => ({ id: p.place.id, grpc: p.address })),
    grpc: { host: "127.0.0.1", port: 0 },
    ingest: {
      batchSize: 200,
      flushMs: 20,
      streamBatch: 50,
      retryInitialMs: 10,
      retryMaxMs: 200,
      refreshSeconds: 3600,
    },
    ...changes,
  });
}

/**
 * Wait for a condition the system reaches on its own (rows in ClickHouse, a process exit), by
 * asking again until it holds or the deadline passes; no fixed sleeps.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  let last: T | undefined;
  const held = await poll(
    "condition",
    async () => {
      last = await probe();
      return ok(last) ? { value: last } : undefined;
    },
    { timeoutMs, intervalMs: 25, describe: () => JSON.stringify(last) },
  );
  return held.value;
}

export async function countFinal(db: ClickHouseDb, placeId?: string): Promise<number> {
  const where = placeId ? sql`WHERE place_id = ${lit.string(placeId)}` : sql``;
  const [row] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${db.table("punches")} FINAL ${where}`,
  );
  return Number(row!.n);
}

/** Distinct (place, dedup_key) pairs, counted without FINAL: must equal countFinal. */
export async function countDistinct(db: ClickHouseDb): Promise<number> {
  const [row] = await db.rows<{ n: string }>(
    sql`SELECT uniqExact(place_id, dedup_key) AS n FROM ${db.table("punches")}`,
  );
  return Number(row!.n);
}

/** The committed offset in the place's journal read last (journal_offsets); 0: none yet. */
export async function committedOffset(db: ClickHouseDb, placeId: string): Promise<number> {
  return (await new PunchStore(db).latestOffsets()).get(placeId)?.offset ?? 0;
}

/** RowBinary punches rows as one INSERT, the way the followers store them. */
export async function insertRows(db: ClickHouseDb, rows: Buffer): Promise<void> {
  const insert = new PunchStore(db).openPunchInsert();
  insert.write(rows);
  await insert.end();
}
