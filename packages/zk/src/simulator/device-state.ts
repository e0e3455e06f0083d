import {
  Privilege,
  decodeZkTime,
  encodeAttendance,
  encodeUser,
  secondsToWallClock,
  wallClockToSeconds,
  wrapRecords,
} from "../protocol/index.js";
import type {
  AttendanceRecord,
  DecodedAttendanceLog,
  FreeSizes,
  WallClock,
  ZkUser,
} from "../protocol/index.js";
import { AttendanceLog } from "./attendance-log.js";
import {
  DEFAULT_CAPACITIES,
  DEFAULT_FIRMWARE,
  PROFILE_FORMATS,
  defaultOptions,
  type Capacities,
  type FirmwareProfile,
  type ProfileFormat,
} from "./profiles.js";
import { Rng } from "./rng.js";

export type { Capacities, FirmwareProfile, ProfileFormat } from "./profiles.js";

/** Users and punches a device starts with; punches either decoded or already in the profile's bytes. */
export interface DeviceData {
  users: readonly ZkUser[];
  records?: readonly AttendanceRecord[];
  attendanceBytes?: Buffer;
}

export interface DeviceStateOptions {
  profile?: FirmwareProfile;
  serialNumber?: string;
  /** Options served by OPTIONS_RRQ, merged over the profile's defaults (keys as read, e.g. "~Platform"). */
  options?: Record<string, string>;
  /** GET_VERSION string. */
  firmware?: string;
  /** 0 = no comm key. */
  commKey?: number;
  /** Device clock minus host local wall clock, in seconds. */
  clockOffsetSeconds?: number;
  capacities?: Partial<Capacities>;
  /** Event payload size for EF_ATTLOG (modern: 32 or 36). */
  eventSize?: 12 | 32 | 36;
  /** Initial data, or a loader called on first use: fleets of 1,000 devices stay small until read. */
  data?: DeviceData | (() => DeviceData);
  /** Seed of the session-id and random-user streams. */
  seed?: number;
  /** Host clock in ms (tests inject one). */
  now?: () => number;
}

export interface PunchInput {
  userId?: string;
  uid?: number;
  /** In/out state; default by time of day (0 before noon, 1 after), as "auto state" devices do. */
  punch?: number;
  verify?: number;
  timestamp?: WallClock;
}

/** A record whose time no client can decode, as flash corruption leaves one (tests of recovery). */
export interface CorruptRecordInput {
  /** Corrupt the record at this position in place; by default a new corrupt record is appended. */
  index?: number;
  /** The u32 time value to store; by default an impossible date (Feb 31 of the device's year). */
  timeValue?: number;
  /** Who the appended record names (default: a random enrolled user). */
  userId?: string;
}

export interface PlantedRecord {
  /** Its position in the log. */
  index: number;
  /** The record's bytes, in hex, as a client reads them. */
  bytes: string;
}

export type DeviceChange =
  | { kind: "loaded" }
  | { kind: "punch"; record: AttendanceRecord; bytes: Buffer }
  | { kind: "record-corrupted"; index: number; bytes: Buffer; appended: boolean }
  | { kind: "users" }
  | { kind: "attendance-cleared" }
  | { kind: "options" }
  | { kind: "clock" }
  | { kind: "reboot" };

export type DeviceListener = (change: DeviceChange) => void;

/** Host local wall clock as "seconds since 1970 read as UTC" (the codec's arithmetic form). */
function hostWallSeconds(ms: number): number {
  return Math.floor(ms / 1000) - new Date(ms).getTimezoneOffset() * 60;
}

/** Feb 31 of `t`'s year at `t`'s time of day: a value on the 31-day calendar no date matches. */
function impossibleTime(t: WallClock): number {
  const year = Number(t.slice(0, 4));
  const secs = Number(t.slice(11, 13)) * 3600 + Number(t.slice(14, 16)) * 60 + Number(t.slice(17, 19));
  return ((year % 100) * 372 + 1 * 31 + 30) * 86400 + secs;
}

/**
 * The model of one terminal: users by uid, the attendance log, options, capacities, clock,
 * enabled flag and comm key. No sockets here; listeners hear about every change (the server
 * pushes live events, the state store persists).
 */
export class DeviceState {
  readonly profile: FirmwareProfile;
  readonly format: ProfileFormat;
  readonly firmware: string;
  commKey: number;
  private readonly capacities: Capacities;
  private readonly options: Map<string, string>;
  private offsetSeconds: number;
  /** Host ms until which the device stays disabled; Infinity = until ENABLEDEVICE. */
  private disabledUntil = 0;
  private readonly rng: Rng;
  private readonly clock: () => number;
  private readonly listeners = new Set<DeviceListener>();
  private pending: DeviceData | (() => DeviceData) | undefined;
  private userMap = new Map<number, ZkUser>();
  private log: AttendanceLog;
  private userCache: Buffer | undefined;

  constructor(options: DeviceStateOptions = {}) {
    this.profile = options.profile ?? "modern";
    this.format = { ...PROFILE_FORMATS[this.profile] };
    if (options.eventSize) this.format.eventSize = options.eventSize;
    this.firmware = options.firmware ?? DEFAULT_FIRMWARE[this.profile];
    this.commKey = options.commKey ?? 0;
    this.capacities = { ...DEFAULT_CAPACITIES[this.profile], ...options.capacities };
    const serial = options.serialNumber ?? "SIM0000000001";
    this.options = new Map(Object.entries({ ...defaultOptions(this.profile, serial), ...options.options }));
    this.offsetSeconds = options.clockOffsetSeconds ?? 0;
    this.rng = new Rng(options.seed ?? 1);
    this.clock = options.now ?? Date.now;
    this.pending = options.data;
    this.log = new AttendanceLog(this.format.attendanceSize);
  }

  onChange(listener: DeviceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: DeviceChange): void {
    for (const listener of this.listeners) listener(change);
  }

  // ---- identity and options ----

  get serialNumber(): string {
    return this.options.get("~SerialNumber") ?? "";
  }

  getOption(key: string): string | undefined {
    return this.options.get(key);
  }

  setOption(key: string, value: string): void {
    this.options.set(key, value);
    this.emit({ kind: "options" });
  }

  allOptions(): Record<string, string> {
    return Object.fromEntries(this.options);
  }

  // ---- clock ----

  get clockOffsetSeconds(): number {
    return this.offsetSeconds;
  }

  /** Device wall clock in seconds (codec arithmetic form). */
  nowSeconds(): number {
    return hostWallSeconds(this.clock()) + this.offsetSeconds;
  }

  now(): WallClock {
    return secondsToWallClock(this.nowSeconds());
  }

  /** SET_TIME: from now on the device clock reads `time`. */
  setClock(time: WallClock): void {
    this.offsetSeconds = wallClockToSeconds(time) - hostWallSeconds(this.clock());
    this.emit({ kind: "clock" });
  }

  shiftClock(seconds: number): void {
    this.offsetSeconds += seconds;
    this.emit({ kind: "clock" });
  }

  // ---- enabled flag ----

  get enabled(): boolean {
    return this.clock() >= this.disabledUntil;
  }

  /** DISABLEDEVICE; an optional timeout re-enables by itself (fact sheet §2.1, [A]). */
  disable(timeoutSeconds?: number): void {
    this.disabledUntil =
      timeoutSeconds && timeoutSeconds > 0 ? this.clock() + timeoutSeconds * 1000 : Infinity;
  }

  enable(): void {
    this.disabledUntil = 0;
  }

  /** A reboot leaves data, clock and options alone; it re-enables and tells the server to drop sessions. */
  reboot(): void {
    this.enable();
    this.emit({ kind: "reboot" });
  }

  /** Random non-zero u16, from the seeded stream. */
  nextSessionId(): number {
    return this.rng.int(1, 0xffff);
  }

  // ---- data (lazy) ----

  /** Has the initial data been generated/loaded yet? */
  get loaded(): boolean {
    return this.pending === undefined;
  }

  /** Generate or load the initial data now (it otherwise happens on first use). */
  load(): this {
    this.ensureLoaded();
    return this;
  }

  private ensureLoaded(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    // A loader that throws (corrupt state file) leaves the device unloaded: the next use retries.
    const data = typeof pending === "function" ? pending() : pending;
    this.pending = undefined;
    for (const user of data.users) this.userMap.set(user.uid, { ...user });
    if (data.attendanceBytes) {
      this.log = new AttendanceLog(this.format.attendanceSize, data.attendanceBytes);
    } else if (data.records) {
      const size = this.format.attendanceSize;
      const bytes = Buffer.allocUnsafe(data.records.length * size);
      data.records.forEach((r, i) => encodeAttendance(r, size).copy(bytes, i * size));
      this.log = new AttendanceLog(size, bytes);
    }
    this.emit({ kind: "loaded" });
  }

  // ---- users ----

  /** Users in uid order. */
  users(): ZkUser[] {
    this.ensureLoaded();
    return [...this.userMap.values()].sort((a, b) => a.uid - b.uid).map((u) => ({ ...u }));
  }

  get userCount(): number {
    this.ensureLoaded();
    return this.userMap.size;
  }

  getUser(uid: number): ZkUser | undefined {
    this.ensureLoaded();
    const user = this.userMap.get(uid);
    return user && { ...user };
  }

  findUser(userId: string): ZkUser | undefined {
    this.ensureLoaded();
    for (const user of this.userMap.values()) if (user.userId === userId) return { ...user };
    return undefined;
  }

  /** USER_WRQ: create or replace the user in slot `uid`. Validates against this profile's layout. */
  upsertUser(user: ZkUser): void {
    this.ensureLoaded();
    encodeUser(user, this.format.userSize); // throws on what this firmware cannot store
    this.userMap.set(user.uid, { ...user });
    this.usersChanged();
  }

  deleteUser(uid: number): boolean {
    this.ensureLoaded();
    const deleted = this.userMap.delete(uid);
    if (deleted) this.usersChanged();
    return deleted;
  }

  clearUsers(): void {
    this.ensureLoaded();
    this.userMap.clear();
    this.usersChanged();
  }

  /** CLEAR_ADMIN: every admin/manager becomes a common user (the disabled bit is kept). */
  clearAdmins(): void {
    this.ensureLoaded();
    for (const user of this.userMap.values()) user.privilege &= 0x01;
    this.usersChanged();
  }

  private usersChanged(): void {
    this.userCache = undefined;
    this.emit({ kind: "users" });
  }

  /** The user transfer buffer (u32 length + records in uid order), cached while unchanged. */
  userBuffer(): Buffer {
    this.ensureLoaded();
    if (!this.userCache) {
      const size = this.format.userSize;
      const users = this.users();
      const records = Buffer.allocUnsafe(users.length * size);
      users.forEach((u, i) => encodeUser(u, size).copy(records, i * size));
      this.userCache = wrapRecords(records);
    }
    return this.userCache;
  }

  // ---- attendance ----

  get recordCount(): number {
    this.ensureLoaded();
    return this.log.count;
  }

  attendance(): AttendanceRecord[] {
    this.ensureLoaded();
    return this.log.records();
  }

  /** The attendance transfer buffer; a view that later punches never modify. */
  attendanceBuffer(): Buffer {
    this.ensureLoaded();
    return this.log.transferBuffer();
  }

  /** Raw record bytes (no prefix), for persistence. */
  attendanceBytes(): Buffer {
    this.ensureLoaded();
    return this.log.recordBytes();
  }

  /** The readable records and each unreadable one (see plantCorruptRecord) with its position. */
  attendanceLog(): DecodedAttendanceLog {
    this.ensureLoaded();
    return this.log.decoded();
  }

  /**
   * Plant a record whose time decodes to an impossible date: append one (no live event is sent,
   * as for a record corrupted in flash) or corrupt the record at `index` in place.
   */
  plantCorruptRecord(input: CorruptRecordInput = {}): PlantedRecord {
    this.ensureLoaded();
    const size = this.format.attendanceSize;
    const at = size === 40 ? 27 : 4;
    const appended = input.index === undefined;
    const index = input.index ?? this.log.count;
    if (!appended && (!Number.isInteger(index) || index < 0 || index >= this.log.count))
      throw new RangeError(`no attendance record ${index}; the log holds 0..${this.log.count - 1}`);
    let base = this.now();
    if (!appended) {
      // In place, by default the record's own day and time with an impossible date: planting
      // again (a restart with --state-dir) leaves an already corrupt record as it is.
      const current = this.log.recordAt(index);
      try {
        base = decodeZkTime(current.readUInt32LE(at));
      } catch {
        if (input.timeValue === undefined) return { index, bytes: current.toString("hex") };
      }
    }
    const timeValue = input.timeValue ?? impossibleTime(base);
    if (!Number.isInteger(timeValue) || timeValue < 0 || timeValue > 0xffffffff) {
      throw new RangeError(`timeValue must be a u32, got ${timeValue}`);
    }
    let valid = true;
    try {
      decodeZkTime(timeValue);
    } catch {
      valid = false;
    }
    if (valid) {
      throw new RangeError(
        `timeValue 0x${timeValue.toString(16)} is the valid time ${decodeZkTime(timeValue)}; pick an impossible one`,
      );
    }
    let bytes: Buffer;
    if (appended) {
      const user = this.resolveUser({ userId: input.userId });
      bytes = encodeAttendance(
        { uid: user.uid, userId: user.userId, timestamp: this.now(), verify: 1, punch: 0 },
        size,
      );
    } else {
      bytes = this.log.recordAt(index);
    }
    bytes.writeUInt32LE(timeValue, at);
    if (appended) this.log.append(bytes);
    else this.log.overwrite(index, bytes);
    this.emit({ kind: "record-corrupted", index, bytes, appended });
    return { index, bytes: bytes.toString("hex") };
  }

  /**
   * A person punches: append to the log and tell listeners (live events). Without a user, a
   * random enrolled user punches. Unknown users are refused, as a terminal only logs enrolled ones.
   */
  addPunch(input: PunchInput = {}): AttendanceRecord {
    this.ensureLoaded();
    const user = this.resolveUser(input);
    const timestamp = input.timestamp ?? this.now();
    const hour = Number(timestamp.slice(11, 13));
    const record: AttendanceRecord = {
      uid: user.uid,
      userId: user.userId,
      timestamp,
      verify: input.verify ?? 1,
      punch: input.punch ?? (hour < 12 ? 0 : 1),
    };
    const bytes = encodeAttendance(record, this.format.attendanceSize);
    this.log.append(bytes);
    this.emit({ kind: "punch", record, bytes });
    return record;
  }

  private resolveUser(input: PunchInput): ZkUser {
    if (input.uid !== undefined) {
      const user = this.userMap.get(input.uid);
      if (!user) throw new RangeError(`no user in slot uid ${input.uid} on device ${this.serialNumber}`);
      return user;
    }
    if (input.userId !== undefined) {
      const user = this.findUser(input.userId);
      if (!user)
        throw new RangeError(`no user with user id "${input.userId}" on device ${this.serialNumber}`);
      return user;
    }
    const all = [...this.userMap.values()];
    if (all.length === 0) throw new RangeError(`device ${this.serialNumber} has no users to punch`);
    return this.rng.pick(all);
  }

  clearAttendance(): void {
    this.ensureLoaded();
    this.log.clear();
    this.emit({ kind: "attendance-cleared" });
  }

  // ---- counters ----

  freeSizes(): FreeSizes {
    this.ensureLoaded();
    const users = this.userMap.size;
    const records = this.log.count;
    let admins = 0;
    let passwords = 0;
    for (const u of this.userMap.values()) {
      const role = u.privilege & 0x0e;
      if (role === Privilege.admin || role === Privilege.manager || role === 12) admins++;
      if (u.password) passwords++;
    }
    // A seeded log larger than the nominal capacity means a bigger model (fact sheet: 200,000+).
    const recordsCapacity = Math.max(this.capacities.records, records);
    const usersCapacity = Math.max(this.capacities.users, users);
    return {
      users,
      fingers: 0,
      records,
      opLogs: 0,
      admins,
      passwords,
      fingersCapacity: this.capacities.fingers,
      usersCapacity,
      recordsCapacity,
      fingersAvailable: this.capacities.fingers,
      usersAvailable: usersCapacity - users,
      recordsAvailable: recordsCapacity - records,
      faces: 0,
      facesCapacity: this.capacities.faces,
    };
  }
}
