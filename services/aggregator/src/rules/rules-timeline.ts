import { addDays, midnight } from "./calendar.js";
import { dayStartOffsetSeconds, type WorkRules } from "./work-rules.js";

/** A version of a place's rules and the first work day it governs (the place's date when it took effect). */
export interface RulesVersion {
  from: string;
  rules: WorkRules;
}

/** Consecutive work days judged by one version, and the wall-clock span their punches come from. */
export interface RulesSegment {
  from: string;
  to: string;
  rules: WorkRules;
  /** Wall-clock seconds (calendar.ts scale): punches in [lo, hi) belong to this segment's days. */
  lo: number;
  hi: number;
}

/**
 * A place's rules over time. A version governs the work days from the date it took effect on
 * (that day included) until the next version's; the oldest known version also governs every
 * earlier day, since nothing older is known. Of several versions on one date the last wins.
 */
export class RulesTimeline {
  private readonly versions: RulesVersion[];

  /** `versions` in the order they took effect. */
  constructor(versions: readonly RulesVersion[]) {
    if (versions.length === 0) throw new Error("a rules timeline needs at least one version");
    const byDate = new Map<string, WorkRules>();
    for (const v of versions) byDate.set(v.from, v.rules);
    this.versions = [...byDate]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([from, rules]) => ({ from, rules }));
  }

  static constant(rules: WorkRules): RulesTimeline {
    return new RulesTimeline([{ from: "1970-01-01", rules }]);
  }

  on(date: string): WorkRules {
    let rules = this.versions[0]!.rules;
    for (const v of this.versions) {
      if (v.from > date) break;
      rules = v.rules;
    }
    return rules;
  }

  /**
   * Days from..to in runs that share one version, each with the span of wall-clock time whose
   * punches it owns. A work day runs from its own rules' day start (dayStartOffsetSeconds) to the
   * next day's; where a change of rules moves the day start, the spans are made to meet: the
   * first day under new rules starts where the last day under the old ones ended, so no punch
   * counts on two days and none falls between them.
   */
  segments(from: string, to: string): RulesSegment[] {
    const out: RulesSegment[] = [];
    let start = from;
    while (start <= to) {
      const rules = this.on(start);
      const next = this.versions.find((v) => v.from > start);
      const end = next && next.from <= to ? addDays(next.from, -1) : to;
      const offset = dayStartOffsetSeconds(rules);
      const prev = out[out.length - 1];
      const lo = prev ? prev.hi : midnight(start) + offset;
      out.push({ from: start, to: end, rules, lo, hi: Math.max(lo, midnight(addDays(end, 1)) + offset) });
      start = addDays(end, 1);
    }
    return out;
  }
}
