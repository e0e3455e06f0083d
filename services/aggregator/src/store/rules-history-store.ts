import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { Place } from "@biometricflow/proto";
import { DateTime } from "luxon";
import { RulesTimeline, type RulesVersion } from "../rules/rules-timeline.js";
import { parseWorkRules } from "../rules/work-rules.js";
import { RULES_COLUMNS, rulesColumns, rulesOfColumns, type RulesColumns } from "./rules-columns.js";

interface VersionRow extends RulesColumns {
  place_id: string;
  /** A string when read (64-bit), a number when written. */
  effective_ms: string | number;
  timezone: string;
}

const columns = sql`place_id, effective_ms, timezone, ${RULES_COLUMNS}`;

function rowOf(place: Place, effectiveMs: number): VersionRow {
  return {
    place_id: place.id,
    effective_ms: effectiveMs,
    timezone: place.timezone,
    ...rulesColumns(place.rules),
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
        rules = parseWorkRules(rulesOfColumns(r));
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
