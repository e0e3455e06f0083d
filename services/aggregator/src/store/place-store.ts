import { sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { Place } from "@biometricflow/proto";

interface PlaceRow {
  place_id: string;
  name: string;
  timezone: string;
  address: string;
  shift_start: string;
  shift_end: string;
  grace_minutes: number;
  min_hours_present: number;
  weekend_days: number[];
  holidays: string[];
  break_minutes: number;
}

/** Each place's name, zone and rules as GetPlace last reported them, kept for when it is down. */
export class PlaceStore {
  constructor(private readonly db: ClickHouseDb) {}

  async save(place: Place, address: string): Promise<void> {
    const r = place.rules;
    await this.db.insert("places", [
      {
        place_id: place.id,
        name: place.name,
        timezone: place.timezone,
        address,
        shift_start: r?.shiftStart ?? "",
        shift_end: r?.shiftEnd ?? "",
        grace_minutes: r?.graceMinutes ?? 0,
        min_hours_present: r?.minHoursPresent ?? 0,
        weekend_days: r?.weekendDays ?? [],
        holidays: r?.holidays ?? [],
        break_minutes: r?.breakMinutes ?? 0,
        version: Date.now(),
      },
    ]);
  }

  async loadAll(): Promise<Place[]> {
    const rows = await this.db.rows<PlaceRow>(
      sql`SELECT place_id, name, timezone, address, shift_start, shift_end, grace_minutes, min_hours_present,
        weekend_days, holidays, break_minutes FROM ${this.db.table("places")} FINAL`,
    );
    return rows.map((r) => ({
      id: r.place_id,
      name: r.name,
      timezone: r.timezone,
      rules: {
        shiftStart: r.shift_start,
        shiftEnd: r.shift_end,
        graceMinutes: r.grace_minutes,
        minHoursPresent: r.min_hours_present,
        weekendDays: r.weekend_days.map(Number),
        holidays: r.holidays,
        breakMinutes: r.break_minutes,
      },
    }));
  }
}
