import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { Place } from "@biometricflow/proto";
import { DateTime } from "luxon";
import { RulesTimeline, type RulesVersion } from "../rules/rules-timeline.js";
import { parseWorkRules } from "../rules/work-rules.js";

interface VersionRow {
  place_id: string;
  /** A string when read (64-bit), a number when written. */
  effective_ms: string | number;
  timezone: string;
  shift_start: string;
  shift_end: string;
  grace_minutes: number;
  min_hours_present: number;
  weekend_days: number[];
  holidays: string[];
  break_minutes: number;
}

const columns = sql`place_id, effective_ms, timezone, shift_start, shift_end, grace_minutes,
  min_hours_present, weekend_days, holidays, break_minutes`;

function rowOf(place: Place, effectiveMs: number): VersionRow {
  const r = place.rules;
  return {
    place_id: place.id,
    effective_ms: effectiveMs,
    timezone: place.timezone,
    shift_start: r?.shiftStart ?? "",
    shift_end: r?.shiftEnd ?? "",
    grace_minutes: r?.graceMinutes ?? 0,
    min_hours_present: r?.minHoursPresent ?? 0,
    weekend_days: [...(r?.weekendDays ?? [])].sort((a, b) => a - b),
    holidays: [...(r?.holidays ?? [])].sort(),
    break_minutes: r?.breakMinutes ?? 0,
  };
}

/** What makes two versions the same rules (not when they were seen). */
const identity = (v: VersionRow): string =>
  JSON.stringify([
    v.timezone,
    v.shift_start,
    v.shift_end,
    Number(v.grace_minutes),
    Number(v.min_hours_present),
    v.weekend_days.map(Number).sort((a, b) => a - b),
    [...v.holidays].sort(),
    Number(v.break_minutes),
  ]);

/** The date a version took effect on, in its place's zone. */
function dateOf(v: VersionRow): string {
  const zone = v.timezone || "UTC";
  const d = DateTime.fromMillis(Number(v.effective_ms), { zone });
  return (d.isValid ? d : DateTime.fromMillis(Number(v.effective_ms), { zone: "UTC" })).toISODate()!;
}

/** Every version of each place's rules, so analytics judge a day by the rules in force on it. */
export class RulesHistoryStore {
  /** Per place, the newest version stored (read once, then kept as this process writes). */
  private readonly newest = new Map<string, string>();

  constructor(private readonly db: ClickHouseDb) {}

  /** Store the place's rules as a version taking effect at `atMs`, unless they did not change. */
  async record(place: Place, atMs: number): Promise<boolean> {
    const row = rowOf(place, atMs);
    let newest = this.newest.get(place.id);
    if (newest === undefined) {
      const [last] = await this.db.rows<VersionRow>(
        sql`SELECT ${columns} FROM ${this.db.table("place_rules")} FINAL
          WHERE place_id = ${lit.string(place.id)} ORDER BY effective_ms DESC LIMIT 1`,
      );
      newest = last ? identity(last) : "";
    }
    if (newest === identity(row)) {
      this.newest.set(place.id, newest);
      return false;
    }
    await this.db.insert("place_rules", [row]);
    this.newest.set(place.id, identity(row));
    return true;
  }

  /** Each place's timeline; places with no stored (valid) version are missing from the map. */
  async timelines(placeIds: readonly string[]): Promise<Map<string, RulesTimeline>> {
    if (placeIds.length === 0) return new Map();
    const rows = await this.db.rows<VersionRow>(
      sql`SELECT ${columns} FROM ${this.db.table("place_rules")} FINAL
        WHERE place_id IN ${lit.inList(lit.strings(placeIds))} ORDER BY place_id, effective_ms`,
    );
    const versions = new Map<string, RulesVersion[]>();
    for (const r of rows) {
      let rules;
      try {
        rules = parseWorkRules({
          shiftStart: r.shift_start,
          shiftEnd: r.shift_end,
          graceMinutes: Number(r.grace_minutes),
          minHoursPresent: Number(r.min_hours_present),
          weekendDays: r.weekend_days.map(Number),
          holidays: r.holidays,
          breakMinutes: Number(r.break_minutes),
        });
      } catch {
        continue; // rules a place sent that do not parse judge nothing (the sync logs them)
      }
      let list = versions.get(r.place_id);
      if (!list) versions.set(r.place_id, (list = []));
      list.push({ from: dateOf(r), rules });
    }
    return new Map([...versions].map(([id, list]) => [id, new RulesTimeline(list)]));
  }
}
