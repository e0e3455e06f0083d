// Realistic, deterministic attendance punches for bench:analytics: 10 places with their own rules
// (day shifts, a night shift, a Friday/Saturday weekend, holidays), people with habits (early
// birds, latecomers), absences, lates, early leaves, double taps, missing out-punches, weekend
// overtime; optionally extra passes through the gates during the day (the worst case packs every
// punch into one month). Pure: the same seed gives the same punches.
import type { Place } from "@biometricflow/proto";

export interface BenchPlace {
  place: Place;
  /** Fixed UTC offset of the place's zone (zones without DST), minutes. */
  utcOffsetMin: number;
  devices: string[];
}

const zones = [
  ["Africa/Lagos", 60],
  ["Asia/Kolkata", 330],
  ["Africa/Nairobi", 180],
  ["UTC", 0],
] as const;

export function benchPlaces(count: number): BenchPlace[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `site-${String(i + 1).padStart(2, "0")}`;
    const [timezone, utcOffsetMin] = zones[i % zones.length]!;
    const night = i % 5 === 2; // every fifth place works nights
    const middleEast = i % 5 === 4; // and one in five has a Friday/Saturday weekend
    return {
      utcOffsetMin,
      devices: Array.from({ length: 4 }, (_, d) => `${id}-gate-${d + 1}`),
      place: {
        id,
        name: `Site ${i + 1}`,
        timezone,
        rules: {
          shiftStart: night ? "22:00" : middleEast ? "07:00" : "08:00",
          shiftEnd: night ? "06:00" : middleEast ? "15:30" : "17:00",
          graceMinutes: 10,
          minHoursPresent: night ? 6 : 4,
          weekendDays: middleEast ? [5, 6] : [0, 6],
          holidays: ["2024-01-01", "2024-05-01", "2024-05-27", "2024-12-25", "2023-12-25"],
          breakMinutes: night ? 30 : 60,
        },
      },
    };
  });
}

export interface GenPunch {
  /** Wall-clock seconds (as if UTC). */
  wall: number;
  device: string;
  state: number;
}

const hm = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * One person's punches on one day (wall clock). `habit` in [0, 1) fixes a person's usual arrival;
 * `extra` more passes between in and out (the worst case).
 */
export function personDay(
  bp: BenchPlace,
  dayStart: number,
  weekday: number,
  date: string,
  habit: number,
  homeGate: number,
  extra: number,
  r: () => number,
): GenPunch[] {
  const rules = bp.place.rules!;
  const off = rules.weekendDays.includes(weekday) || rules.holidays.includes(date);
  const start = hm(rules.shiftStart);
  let end = hm(rules.shiftEnd);
  if (end <= start) end += 1440;
  const gate = (): string =>
    bp.devices[r() < 0.7 ? homeGate : Math.floor(r() * bp.devices.length)] ?? bp.devices[0]!;
  let inMin: number;
  let outMin: number;
  if (off) {
    if (r() >= 0.03) return []; // a few come in on a day off
    inMin = start + 60 + r() * 60;
    outMin = inMin + 240 + r() * 120;
  } else {
    if (r() < 0.04) return []; // absent
    inMin = start - 25 + habit * 30 + r() * 10; // habit: early bird ... just in time
    if (r() < 0.08) inMin += 15 + r() * 75; // late
    outMin = end - 5 + r() * 50;
    if (r() < 0.05) outMin -= 30 + r() * 90; // leaves early
  }
  const sec = (m: number): number => dayStart + Math.floor(m * 60);
  const out: GenPunch[] = [{ wall: sec(inMin), device: gate(), state: 0 }];
  if (r() < 0.08)
    out.push({ wall: out[0]!.wall + 5 + Math.floor(r() * 55), device: out[0]!.device, state: 0 });
  for (let i = 0; i < extra; i++) {
    out.push({ wall: sec(inMin + 3 + r() * (outMin - inMin - 6)), device: gate(), state: 2 + (i % 2) });
  }
  if (r() >= 0.03) out.push({ wall: sec(outMin), device: gate(), state: 1 }); // else: forgot to punch out
  return out;
}
