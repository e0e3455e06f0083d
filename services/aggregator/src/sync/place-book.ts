import type { Place } from "@biometricflow/proto";
import { parseWorkRules, type WorkRules } from "../rules/work-rules.js";

export interface KnownPlace {
  place: Place;
  rules: WorkRules;
}

/** The places this aggregator follows, with the rules each last reported (from GetPlace). */
export class PlaceBook {
  private readonly known = new Map<string, KnownPlace>();

  /** `ids`: the configured places, in configuration order. */
  constructor(readonly ids: readonly string[]) {}

  has(id: string): boolean {
    return this.ids.includes(id);
  }

  get(id: string): KnownPlace | undefined {
    return this.known.get(id);
  }

  /** Ignores places that are not configured and rules that do not parse (logged by the caller). */
  set(place: Place): void {
    if (!this.has(place.id)) return;
    this.known.set(place.id, { place, rules: parseWorkRules(place.rules) });
  }
}
