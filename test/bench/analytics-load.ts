// Bulk-loads bench:analytics data into ClickHouse: places (with their rules), people, and N
// punches, straight into the tables (the ingest path is not what this benchmark measures).
import { migrate, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import { PlaceStore, UserStore } from "@biometricflow/aggregator";
import { mulberry32 } from "@biometricflow/zk";
import { benchPlaces, personDay, type BenchPlace } from "./analytics-dataset.js";

export interface LoadSpec {
  seed: number;
  punches: number;
  places: number;
  peoplePerPlace: number;
  /** First day punched; "spread" goes on day by day until `punches` are made. */
  from: string;
  /** "month": every punch in the month of `from` (passes through it again until full). */
  layout: "spread" | "month";
}

export interface LoadResult {
  punches: number;
  firstDay: string;
  lastDay: string;
}

const DAY = 86_400;
// Small enough that making a batch never blocks the event loop for seconds (an idle keep-alive
// socket would be closed by the server meanwhile and the next insert fail with EPIPE).
const BATCH = 20_000;

const dateOf = (daySeconds: number): string => new Date(daySeconds * 1000).toISOString().slice(0, 10);
const utc = (seconds: number): string =>
  new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");

/** A 32-hex-digit key like the place's (sha256 prefix), cheap to make: distinct per punch. */
function key(n: number, seed: number): string {
  let h = "";
  for (let i = 0; i < 4; i++) {
    let x = Math.imul(n ^ (seed + i * 0x9e3779b9), 0x85ebca6b) ^ (n >>> 13) ^ (i * 0x27d4eb2d);
    x = Math.imul(x ^ (x >>> 16), 0xc2b2ae35);
    x ^= x >>> 13;
    h += (x >>> 0).toString(16).padStart(8, "0");
  }
  return h;
}

/**
 * The client may reuse a keep-alive socket the server has just closed (its 3 s idle timeout, on a
 * busy machine): the request then fails before the server read it (EPIPE / ECONNRESET), so sending
 * it again cannot store a row twice; the count checked after loading proves it.
 */
async function insertRetrying(db: ClickHouseDb, rows: object[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.insert("punches", rows);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== "EPIPE" && code !== "ECONNRESET")) throw err;
    }
  }
}

export const peopleOf = (bp: BenchPlace, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${bp.place.id.slice(-2)}${String(i + 1).padStart(5, "0")}`);

export async function loadBenchData(db: ClickHouseDb, spec: LoadSpec): Promise<LoadResult> {
  await migrate(db);
  const places = benchPlaces(spec.places);
  const placeStore = new PlaceStore(db);
  const users = new UserStore(db);
  for (const bp of places) {
    await placeStore.save(bp.place, "127.0.0.1:1");
    const ids = peopleOf(bp, spec.peoplePerPlace);
    await users.replaceAll(
      bp.place.id,
      ids.map((userId) => ({
        userId,
        name: `Person ${userId}`,
        privilege: 0,
        card: 0,
        disabled: false,
        updatedAt: new Date("2023-01-01T00:00:00Z"),
      })),
    );
  }
  const r = mulberry32(spec.seed);
  const people = places.map((bp) =>
    peopleOf(bp, spec.peoplePerPlace).map((id) => ({ id, habit: r(), gate: Math.floor(r() * 4) })),
  );
  const firstDay = Date.parse(`${spec.from}T00:00:00Z`) / 1000;
  const monthEnd = (() => {
    const d = new Date(firstDay * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  })();
  const extra = spec.layout === "month" ? 40 : 0;
  const offsets = new Map(places.map((bp) => [bp.place.id, 0]));
  let made = 0;
  let lastDay = firstDay;
  let batch: object[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    await inFlight;
    inFlight = insertRetrying(db, rows);
  };
  for (let day = firstDay; made < spec.punches; day += DAY) {
    if (spec.layout === "month" && day >= monthEnd) day = firstDay; // another pass through the month
    lastDay = Math.max(lastDay, day);
    const date = dateOf(day);
    const weekday = (Math.floor(day / DAY) + 4) % 7;
    for (let p = 0; p < places.length && made < spec.punches; p++) {
      const bp = places[p]!;
      for (const person of people[p]!) {
        for (const g of personDay(bp, day, weekday, date, person.habit, person.gate, extra, r)) {
          if (made >= spec.punches) break;
          const offset = offsets.get(bp.place.id)! + 1;
          offsets.set(bp.place.id, offset);
          const at = g.wall - bp.utcOffsetMin * 60;
          batch.push({
            place_id: bp.place.id,
            dedup_key: key(made, spec.seed),
            device_id: g.device,
            device_sn: `SN-${g.device}`,
            user_id: person.id,
            punched_at: utc(at),
            local_time: utc(g.wall),
            punch_state: g.state,
            verify_method: 1,
            source: 1,
            received_at: utc(at + 2),
            source_offset: offset,
            trace_id: "",
          });
          made++;
        }
        if (batch.length >= BATCH) await flush();
      }
    }
  }
  await flush();
  await inFlight;
  // A settled table, as a long-running one is: parts merged (loading time is not measured).
  await db.command(sql`OPTIMIZE TABLE ${db.table("punches")} FINAL`);
  const [n] = await db.rows<{ n: string }>(sql`SELECT count() AS n FROM ${db.table("punches")}`);
  if (Number(n!.n) !== spec.punches) {
    throw new Error(`loaded ${n!.n} punches into ${db.database}, expected ${spec.punches}`);
  }
  return { punches: made, firstDay: spec.from, lastDay: dateOf(lastDay) };
}
