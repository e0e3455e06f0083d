import path from "node:path";
import { ClickHouseDb, startLocalClickHouse, type LocalClickHouse } from "@biometricflow/clickhouse";
import type { ServiceProcess } from "@biometricflow/stack";
import { AggregatorProcess } from "./aggregator.js";
import { committedOffset, countStored, expectStoredMatches } from "./clickhouse-store.js";
import { eventually } from "./poll.js";
import {
  expectExactlyOnce,
  readTruth,
  startSite,
  stopSites,
  type Site,
  type SiteOptions,
  type SiteTruth,
} from "./site.js";
import { supervisorProcess } from "./supervisor.js";

/** The whole data path as real processes: devices -> supervisor -> places -> aggregator -> ClickHouse. */
export interface FullStack {
  clickhouse: LocalClickHouse;
  db: ClickHouseDb;
  sites: Site[];
  supervisor: ServiceProcess;
  aggregator: AggregatorProcess;
  /** Distinct punches on all devices before anything was ingested. */
  backlog: number;
  stop(): Promise<void>;
}

/**
 * A private ClickHouse (data and logs under `dir`), the sites, then the aggregator, then the
 * supervisor: the backlog starts to flow only once the aggregator follows every journal.
 */
export async function startFullStack(dir: string, sites: Omit<SiteOptions, "dir">[]): Promise<FullStack> {
  const stoppers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    // An odd server zone: nothing may depend on it.
    const clickhouse = await startLocalClickHouse({
      dataDir: path.join(dir, "clickhouse"),
      timezone: "Asia/Kolkata",
    });
    stoppers.push(() => clickhouse.stop());
    const db = new ClickHouseDb({ url: clickhouse.url });
    stoppers.push(() => db.close());
    const started: Site[] = [];
    stoppers.push(() => stopSites(started));
    for (const s of sites) started.push(await startSite({ ...s, dir }));
    let backlog = 0;
    for (const site of started) backlog += (await readTruth(site)).keys.size;
    const aggregator = new AggregatorProcess({
      dir,
      clickhouseUrl: clickhouse.url,
      places: started.map((s) => ({ id: s.id, grpc: s.place.address })),
    });
    stoppers.push(() => aggregator.stop());
    await aggregator.start();
    const supervisor = supervisorProcess({ dir, places: started.map((s) => s.place.address) });
    stoppers.push(() => supervisor.stop());
    await supervisor.start();
    return { clickhouse, db, sites: started, supervisor, aggregator, backlog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `n` punches on the keypad of every device, now: live capture while the test runs. */
export async function punchEveryDevice(stack: FullStack, n: number): Promise<void> {
  for (const site of stack.sites)
    for (const d of site.sim.devices) for (let i = 0; i < n; i++) await site.sim.punch(d.index);
}

/** Punches stored in ClickHouse and committed offsets, per place, for a timeout message. */
export async function describeStore(stack: FullStack): Promise<string> {
  const parts = await Promise.all(
    stack.sites.map(
      async (s) =>
        `${s.id}: stored ${await countStored(stack.db, s.id)}, committed ${await committedOffset(stack.db, s.id)}`,
    ),
  );
  const status = await stack.aggregator.ingestStatus().catch((err: Error) => err.message);
  return `${parts.join("; ")}; aggregator says ${JSON.stringify(status)}`;
}

/**
 * The end state after any crash: every journal holds exactly the device punches, and ClickHouse
 * holds exactly the journals: the same count per place and in total (FINAL), the same punches
 * (device, user, wall-clock time, state) and dedup keys, every offset committed.
 */
export async function expectStoredExactlyOnce(stack: FullStack, timeoutMs = 120_000): Promise<void> {
  const truths: SiteTruth[] = [];
  for (const site of stack.sites) truths.push(await expectExactlyOnce(site, { timeoutMs }));
  await eventually(
    "ClickHouse to hold and commit every journal punch",
    async () => {
      for (const [i, site] of stack.sites.entries()) {
        const n = truths[i]!.keys.size;
        const [stored, committed] = [
          await countStored(stack.db, site.id),
          await committedOffset(stack.db, site.id),
        ];
        if (stored > n) return true; // already too many: the comparison below says which
        if (stored !== n || committed !== n) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 200, describe: () => describeStore(stack) },
  );
  for (const [i, site] of stack.sites.entries())
    await expectStoredMatches(stack.db, site.id, truths[i]!.keys, await site.place.journal());
  const total = truths.reduce((sum, t) => sum + t.keys.size, 0);
  expect({ total: await countStored(stack.db) }).toEqual({ total });
  const status = await stack.aggregator.ingestStatus();
  expect(status.map((s) => [s.placeId, s.committedOffset, s.headOffset, s.lastError])).toEqual(
    stack.sites.map((s, i) => [s.id, truths[i]!.keys.size, truths[i]!.keys.size, ""]),
  );
}

/**
 * Resolves while the aggregator is storing the backlog: some punches in ClickHouse, not all, and a
 * place's journal ahead of what the aggregator committed. The moment the crash tests strike.
 */
export async function untilMidIngest(stack: FullStack): Promise<void> {
  await eventually(
    "the aggregator to be storing the backlog",
    async () => {
      const stored = await countStored(stack.db);
      if (stored === 0 || stored >= stack.backlog) return false;
      return (await stack.aggregator.ingestStatus()).some((p) => p.committedOffset < p.headOffset);
    },
    { timeoutMs: 120_000, intervalMs: 10, describe: () => describeStore(stack) },
  );
}
