// Place journals with a known number of realistic punches, written through the place's own ingest
// (validation, dedup key, zone conversion, SQLite transaction), so the rows the aggregator reads
// are exactly what a place stores. Deterministic for (punches, places, seed); a finished set is
// marked so a later run can reuse it (generation is not what the benchmark times).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Journal, PunchFeed, cachedZone, createIngest } from "@biometricflow/place";
import { PunchSource, type CapturedPunch } from "@biometricflow/proto";
import { createLogger } from "@biometricflow/telemetry";
import { mulberry32 } from "@biometricflow/zk";

export const TIMEZONE = "Africa/Lagos";
export const DEVICES_PER_PLACE = 20;
const USERS_PER_PLACE = 2_000;
const DAYS_PER_CALL = 10; // one IngestPunches-sized call per device and 10 days (~2,000 punches)
const FIRST_DAY_MS = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

export interface JournalSet {
  dir: string;
  placeIds: string[];
  /** Punches per place; they add up to the requested total. */
  counts: number[];
  reused: boolean;
}

export const placeId = (p: number): string => `bench-${p}`;
export const deviceId = (d: number): string => `d${d}`;
export const deviceSerial = (p: number, d: number): string => `BF${String(p).padStart(3, "0")}D${d}`;

const pad = (n: number): string => String(n).padStart(2, "0");
function wallClock(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const hex = (rand: () => number, chars: number): string => {
  let s = "";
  while (s.length < chars)
    s += Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, chars);
};

/**
 * One place's punches in journal order, as a supervisor would deliver them: per block of days,
 * device by device, each user's arrival (state 0, 07:30-09:30) and departure (state 1,
 * 16:00-19:00) with a fingerprint, a received_at a little later and the capturing trace.
 */
function* placeBatches(
  p: number,
  count: number,
  seed: number,
): Generator<{ device: number; punches: CapturedPunch[] }> {
  const rand = mulberry32(seed * 1_000 + p);
  const usersPerDevice = USERS_PER_PLACE / DEVICES_PER_PLACE;
  let made = 0;
  for (let day0 = 0; made < count; day0 += DAYS_PER_CALL) {
    for (let d = 0; d < DEVICES_PER_PLACE && made < count; d++) {
      const punches: CapturedPunch[] = [];
      for (let day = day0; day < day0 + DAYS_PER_CALL && made < count; day++) {
        for (let u = 0; u < usersPerDevice && made < count; u++) {
          for (const state of [0, 1]) {
            if (made >= count) break;
            const at =
              FIRST_DAY_MS +
              day * DAY_MS +
              (state === 0 ? 27_000 : 57_600) * 1000 +
              Math.floor(rand() * 7_200_000);
            punches.push({
              userId: String(10_000 + d * usersPerDevice + u),
              localTime: wallClock(at),
              punchState: state,
              verifyMethod: 1,
              source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
              // Within a minute of the punch as the supervisor's clock saw it.
              receivedAt: new Date(at + Math.floor(rand() * 60_000)),
              trace: { traceparent: `00-${hex(rand, 32)}-${hex(rand, 16)}-01`, tracestate: "" },
              deviceUid: u + 1,
              rawRecord: Buffer.alloc(0),
              unreadableReason: "",
            });
            made++;
          }
        }
      }
      yield { device: d, punches };
    }
  }
}

/** Fill (or reuse) `places` journals under `dir` with `total` punches in all. */
export function fillJournals(
  dir: string,
  total: number,
  places: number,
  seed: number,
  progress: (line: string) => void,
): JournalSet {
  const placeIds = Array.from({ length: places }, (_, p) => placeId(p));
  const counts = placeIds.map((_, p) => Math.floor(total / places) + (p < total % places ? 1 : 0));
  const marker = path.join(dir, "complete.json");
  const identity = JSON.stringify({ total, places, seed, counts, version: 1 });
  if (existsSync(marker) && readFileSync(marker, "utf8") === identity) {
    return { dir, placeIds, counts, reused: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = createLogger("bench-ingest-fill", "warn");
  for (let p = 0; p < places; p++) {
    const started = Date.now();
    const journal = Journal.open(path.join(dir, `${placeIds[p]}.db`), placeIds[p]!);
    // Generation only: a bigger page cache keeps the dedup-key index in memory while it grows.
    journal.db.pragma("cache_size = -524288");
    try {
      const ingest = createIngest({
        journal,
        feed: new PunchFeed(journal.punches.head()),
        zone: cachedZone(TIMEZONE),
        deviceIds: new Set(Array.from({ length: DEVICES_PER_PLACE }, (_, d) => deviceId(d))),
        log,
      });
      let stored = 0;
      for (const { device, punches } of placeBatches(p, counts[p]!, seed)) {
        const r = ingest(deviceId(device), deviceSerial(p, device), punches);
        if (r.duplicates !== 0) throw new Error(`generator made ${r.duplicates} duplicate punches`);
        stored += r.stored;
      }
      if (journal.punches.head() !== counts[p]) {
        throw new Error(`journal ${placeIds[p]} has head ${journal.punches.head()}, expected ${counts[p]}`);
      }
      progress(
        `journal ${placeIds[p]}: ${stored} punches in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      journal.close();
    }
  }
  writeFileSync(marker, identity);
  return { dir, placeIds, counts, reused: false };
}
