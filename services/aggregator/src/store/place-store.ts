import { sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { Place } from "@biometricflow/proto";
import { RULES_COLUMNS, rulesColumns, rulesOfColumns, type RulesColumns } from "./rules-columns.js";

interface PlaceRow extends RulesColumns {
  place_id: string;
  name: string;
  timezone: string;
  address: string;
}

/** Each place's name, zone and rules as GetPlace last reported them, kept for when it is down. */
export class PlaceStore {
  constructor(private readonly db: ClickHouseDb) {}

  async save(place: Place, address: string): Promise<void> {
    await this.db.insert("places", [
      {
        place_id: place.id,
        name: place.name,
        timezone: place.timezone,
        address,
        ...rulesColumns(place.rules),
        version: Date.now(),
      },
    ]);
  }

  async loadAll(): Promise<Place[]> {
    const rows = await this.db.rows<PlaceRow>(
      sql`SELECT place_id, name, timezone, address, ${RULES_COLUMNS} FROM ${this.db.table("places")} FINAL`,
    );
    return rows.map((r) => ({
      id: r.place_id,
      name: r.name,
      timezone: r.timezone,
      rules: rulesOfColumns(r),
    }));
  }
}
