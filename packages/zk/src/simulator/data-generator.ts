import { Privilege, secondsToWallClock, wallClockToSeconds } from "../protocol/index.js";
import type { AttendanceRecord, WallClock, ZkUser } from "../protocol/index.js";
import type { FirmwareProfile } from "./device-state.js";
import { Rng, mixSeed } from "./rng.js";

/**
 * Realistic, deterministic people and punches for a simulated device. Everything derives from
 * (seed, device index); each calendar day has its own random stream, so a day's punches do not
 * depend on how many days were generated and a larger log only adds older days.
 */

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

/** Seconds of the day in which day-shift arrivals and departures fall (realism tests use these). */
export const ARRIVAL_WINDOW = { from: 7 * HOUR + 50 * MIN, to: 9 * HOUR + 17 * MIN } as const;
export const DEPARTURE_WINDOW = { from: 16 * HOUR + 30 * MIN, to: 18 * HOUR + 32 * MIN } as const;
/** Night shift: arrive around 22:00, leave around 06:00 the next morning. */
export const NIGHT_ARRIVAL_WINDOW = { from: 21 * HOUR + 45 * MIN, to: 22 * HOUR + 16 * MIN } as const;

export const PunchState = { in: 0, out: 1, breakOut: 2, breakIn: 3, undefined: 255 } as const;
export const VerifyMethod = { password: 0, fingerprint: 1, card: 2, face: 15 } as const;

const FIRST = [
  "Ana",
  "Ben",
  "Carla",
  "David",
  "Elif",
  "Farid",
  "Grace",
  "Hugo",
  "Ines",
  "Jamal",
  "Kenji",
  "Lena",
  "Mateo",
  "Nadia",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sven",
  "Tariq",
  "Uma",
  "Victor",
  "Wen",
  "Yara",
  "Zoe",
  "Amir",
  "Bea",
  "Chen",
  "Dara",
  "Emil",
  "Fatma",
  "Goran",
  "Hana",
  "Ivan",
  "Joao",
  "Kofi",
];
const LAST = [
  "Silva",
  "Novak",
  "Okafor",
  "Garcia",
  "Kim",
  "Nguyen",
  "Haddad",
  "Ivanova",
  "Costa",
  "Mensah",
  "Larsen",
  "Rossi",
  "Yilmaz",
  "Sato",
  "Kowalski",
  "Dubois",
  "Petrov",
  "Santos",
  "Ali",
  "Jensen",
];

export interface Person {
  user: ZkUser;
  shift: "day" | "night";
  /** Usual arrival / departure, seconds after midnight (night departure is next morning). */
  arrive: number;
  leave: number;
  /** Punches out and in for lunch. */
  lunch: boolean;
  /** Usual verify method (1 fingerprint, 15 face, 2 card, 0 password). */
  verify: number;
  /** Chance of missing a working day. */
  absence: number;
}

export interface PeopleOptions {
  seed: number;
  deviceIndex?: number;
  users: number;
  profile?: FirmwareProfile;
}

/** `users` people with uids 1..U and user ids "1001", "1002", ...; the first one or two are admins. */
export function generatePeople(options: PeopleOptions): Person[] {
  const rng = new Rng(mixSeed(options.seed, options.deviceIndex ?? 0, 0x9e0));
  const old = options.profile === "old";
  const admins = options.users >= 20 ? 2 : options.users > 0 ? 1 : 0;
  const people: Person[] = [];
  for (let uid = 1; uid <= options.users; uid++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    // Old firmware: 8-byte name field (7 characters), 5-byte password.
    const name = old ? first.slice(0, 7) : `${first} ${last}`;
    const hasCard = rng.chance(0.3);
    const night = options.users >= 10 && rng.chance(0.06);
    const roll = rng.next();
    let verify: number = VerifyMethod.fingerprint;
    if (!old && roll < 0.15) verify = VerifyMethod.face;
    else if (hasCard && roll > 0.85) verify = VerifyMethod.card;
    else if (old && roll < 0.05) verify = VerifyMethod.password;
    people.push({
      user: {
        uid,
        userId: String(1000 + uid),
        name,
        privilege: uid <= admins ? Privilege.admin : Privilege.user,
        password: uid <= admins || rng.chance(0.05) ? String(rng.int(1000, 9999)) : "",
        card: hasCard ? rng.int(1_000_000, 16_777_215) : 0,
        group: 1,
      },
      shift: night ? "night" : "day",
      arrive: night
        ? 21 * HOUR + 50 * MIN + rng.int(0, 10) * MIN
        : 7 * HOUR + 55 * MIN + rng.int(0, 40) * MIN,
      leave: night ? 5 * HOUR + 50 * MIN + rng.int(0, 15) * MIN : 16 * HOUR + 40 * MIN + rng.int(0, 80) * MIN,
      lunch: !night && rng.chance(0.1),
      verify,
      absence: 0.02 + rng.next() * 0.04,
    });
  }
  return people;
}

/** Mon..Fri? Day numbers count from 1970-01-01, a Thursday. */
function isWeekday(dayNumber: number): boolean {
  const weekday = (dayNumber + 4) % 7; // 0 = Sunday
  return weekday >= 1 && weekday <= 5;
}

interface RawPunch {
  t: number;
  uid: number;
  userId: string;
  verify: number;
  punch: number;
}

/** Punch state as people really press it: mostly right, sometimes undefined or the wrong key. */
function noisyState(rng: Rng, intended: number): number {
  const roll = rng.next();
  if (roll < 0.02) return PunchState.undefined;
  if (roll < 0.035) return intended === PunchState.in ? PunchState.out : PunchState.in;
  return intended;
}

/** All punches of the shifts that start on `dayNumber` (a night shift ends the next morning). */
function shiftsStartingOn(
  dayNumber: number,
  people: readonly Person[],
  options: GenerateOptions,
): RawPunch[] {
  const rng = new Rng(mixSeed(options.seed, options.deviceIndex ?? 0, dayNumber));
  const out: RawPunch[] = [];
  const base = dayNumber * DAY;
  for (const p of people) {
    if (!isWeekday(dayNumber) || rng.chance(p.absence)) continue;
    const method = (): number => (rng.chance(0.9) ? p.verify : VerifyMethod.fingerprint);
    const add = (t: number, intended: number): void => {
      const punch = {
        t,
        uid: p.user.uid,
        userId: p.user.userId,
        verify: method(),
        punch: noisyState(rng, intended),
      };
      out.push(punch);
      // A double tap: the same person presses again within the minute.
      if (rng.chance(0.03)) out.push({ ...punch, t: t + rng.int(3, 50) });
    };
    if (p.shift === "night") {
      add(base + p.arrive + rng.int(-300, 300) + rng.int(0, 59), PunchState.in);
      if (!rng.chance(0.02)) add(base + DAY + p.leave + rng.int(-300, 300), PunchState.out);
      continue;
    }
    let arrive = p.arrive + rng.int(-5, 5) * MIN + rng.int(0, 59);
    if (rng.chance(0.07)) arrive += rng.int(15, 35) * MIN; // a late day
    add(base + arrive, PunchState.in);
    if (p.lunch && !rng.chance(0.2)) {
      const outAt = 12 * HOUR + rng.int(0, 20) * MIN + rng.int(0, 59);
      add(base + outAt, PunchState.breakOut);
      add(base + outAt + rng.int(30, 50) * MIN, PunchState.breakIn);
    }
    let leave = p.leave + rng.int(-10, 10) * MIN + rng.int(0, 59);
    if (rng.chance(0.1)) leave += rng.int(0, 20) * MIN; // overtime
    leave = Math.min(leave, 18 * HOUR + 30 * MIN + 59);
    if (!rng.chance(0.02)) add(base + leave, PunchState.out); // sometimes nobody punches out
  }
  return out;
}

export interface GenerateOptions extends PeopleOptions {
  /** Punches to generate. */
  records: number;
  /** The newest punch is at or before this device wall-clock time. */
  end: WallClock;
}

export interface GeneratedData {
  people: Person[];
  users: ZkUser[];
  /** Chronological, the last at or before `end`. */
  records: AttendanceRecord[];
}

/** People plus the last `records` punches before `end`, going back as many days as needed. */
export function generateDeviceData(options: GenerateOptions): GeneratedData {
  const people = generatePeople(options);
  const users = people.map((p) => p.user);
  if (options.records <= 0) return { people, users, records: [] };
  if (people.length === 0) throw new RangeError(`cannot generate ${options.records} punches without users`);
  const end = wallClockToSeconds(options.end);
  const firstDay = Date.UTC(2000, 0, 2) / 1000 / DAY; // the time encoding starts in 2000
  const days: RawPunch[][] = [];
  let count = 0;
  let day = Math.floor(end / DAY);
  // One extra day past the target, since night shifts reach into the following morning.
  for (let extra = 0; extra < 2 && day >= firstDay; day--) {
    const punches = shiftsStartingOn(day, people, options).filter((r) => r.t <= end);
    days.push(punches);
    count += punches.length;
    if (count >= options.records) extra++;
  }
  if (count < options.records) {
    throw new RangeError(`${people.length} users cannot produce ${options.records} punches after 2000-01-01`);
  }
  const all = days.flat().sort((a, b) => a.t - b.t || a.uid - b.uid);
  const records = all.slice(all.length - options.records).map((r): AttendanceRecord => ({
    uid: r.uid,
    userId: r.userId,
    timestamp: secondsToWallClock(r.t),
    verify: r.verify,
    punch: r.punch,
  }));
  return { people, users, records };
}

/** The keys a person presses for a live punch at `now`: state by time of day, sometimes wrong. */
export function livePunchKeys(rng: Rng, now: WallClock): { verify: number; punch: number } {
  const hour = Number(now.slice(11, 13));
  return {
    verify: rng.chance(0.85) ? VerifyMethod.fingerprint : VerifyMethod.card,
    punch: noisyState(rng, hour < 12 ? PunchState.in : PunchState.out),
  };
}

/** Serial number and MAC of simulated device `index` (stable per seed). */
export function deviceIdentity(seed: number, index: number): { serialNumber: string; mac: string } {
  const rng = new Rng(mixSeed(seed, index, 0x1d));
  const mac = [
    "00",
    "17",
    "61",
    ...Array.from({ length: 3 }, () => rng.int(0, 255).toString(16).padStart(2, "0")),
  ];
  const serialNumber = `BFS${String(seed % 1000).padStart(3, "0")}${String(index + 1).padStart(6, "0")}`;
  return { serialNumber, mac: mac.join(":").toUpperCase() };
}
