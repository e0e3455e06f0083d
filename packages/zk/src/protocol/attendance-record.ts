import { ZkProtocolError } from "./errors.js";
import { readText, writeText } from "./text.js";
import { decodeZkTime, encodeZkTime, type WallClock } from "./time.js";

/** One punch as stored in the device log (fact sheet §5.4). */
export interface AttendanceRecord {
  /** Device slot of the user (0 when the layout does not carry it). */
  uid: number;
  /** Badge/PIN string. */
  userId: string;
  /** Device wall-clock time, no zone. */
  timestamp: WallClock;
  /** Verify method: 0 password, 1 fingerprint, 2 card, 15 face (observed). */
  verify: number;
  /** In/out state: 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4 OT-in, 5 OT-out, 255 undefined. */
  punch: number;
}

export const ATTENDANCE_RECORD_SIZES = [40, 16, 8] as const;
export type AttendanceRecordSize = (typeof ATTENDANCE_RECORD_SIZES)[number];

/** 40-byte: uid u16, user_id[24], verify u8, time u32, punch u8, 8 reserved bytes. */
export function encodeAttendance40(r: AttendanceRecord): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(r.uid, 0);
  writeText(b, 2, 24, r.userId, "user id");
  b.writeUInt8(r.verify, 26);
  b.writeUInt32LE(encodeZkTime(r.timestamp), 27);
  b.writeUInt8(r.punch, 31);
  b.writeUInt32LE(0, 32);
  b.writeUInt8(0xff, 36); // as in the captured record; meaning unknown (§10)
  return b;
}

/**
 * Remembers the user-id text last decoded for each slot: a log names the same few hundred
 * people again and again, and comparing 24 bytes is far cheaper than decoding them.
 */
export class UserIdCache {
  private readonly bySlot = new Map<number, { bytes: Buffer; text: string }>();

  read(b: Buffer, uid: number, off: number, size: number): string {
    const hit = this.bySlot.get(uid);
    if (hit && b.compare(hit.bytes, 0, size, off, off + size) === 0) return hit.text;
    const text = readText(b, off, size);
    this.bySlot.set(uid, { bytes: Buffer.from(b.subarray(off, off + size)), text });
    return text;
  }
}

export function decodeAttendance40(b: Buffer, off = 0, ids?: UserIdCache): AttendanceRecord {
  const uid = b.readUInt16LE(off);
  return {
    uid,
    userId: ids ? ids.read(b, uid, off + 2, 24) : readText(b, off + 2, 24),
    verify: b[off + 26]!,
    timestamp: decodeZkTime(b.readUInt32LE(off + 27)),
    punch: b[off + 31]!,
  };
}

/** 16-byte (TExtendAttLog): user_id u32, time u32, state u8, verified u8, 2 reserved, workcode u32. */
export function encodeAttendance16(r: AttendanceRecord): Buffer {
  const userId = Number(r.userId);
  if (!/^\d{1,10}$/.test(r.userId) || userId > 0xffffffff) {
    throw new RangeError(`user id "${r.userId}": 16-byte records hold numeric user ids only`);
  }
  const b = Buffer.alloc(16);
  b.writeUInt32LE(userId, 0);
  b.writeUInt32LE(encodeZkTime(r.timestamp), 4);
  // Bytes 8 and 9 are the reverse of the 40-byte layout: state first, then verify method.
  b.writeUInt8(r.punch, 8);
  b.writeUInt8(r.verify, 9);
  return b;
}

export function decodeAttendance16(b: Buffer, off = 0, _ids?: UserIdCache): AttendanceRecord {
  return {
    uid: 0,
    userId: String(b.readUInt32LE(off)),
    timestamp: decodeZkTime(b.readUInt32LE(off + 4)),
    punch: b[off + 8]!,
    verify: b[off + 9]!,
  };
}

/**
 * 8-byte ZEM500/MA300 layout `<HBB4s` (§5.4, pyzk issues #56/#92/#99): uid u16, a flags byte
 * (state in bits 0-2, verify in bits 3-4, bit 5 set), one unknown byte, time u32 at offset 4.
 * pyzk's `HB4sB` reading of the same bytes gives years like 2087. There is no user id: callers
 * map uid to user id with the device's user list; until then it is the uid as text.
 */
export function encodeAttendance8(r: AttendanceRecord): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(r.uid, 0);
  b.writeUInt8(0x20 | ((r.verify & 0x3) << 3) | (r.punch & 0x7), 2);
  b.writeUInt32LE(encodeZkTime(r.timestamp), 4);
  return b;
}

export function decodeAttendance8(b: Buffer, off = 0, _ids?: UserIdCache): AttendanceRecord {
  const flags = b[off + 2]!;
  const uid = b.readUInt16LE(off);
  return {
    uid,
    userId: String(uid),
    punch: flags & 0x7,
    verify: (flags >> 3) & 0x3,
    timestamp: decodeZkTime(b.readUInt32LE(off + 4)),
  };
}

export function encodeAttendance(r: AttendanceRecord, size: AttendanceRecordSize): Buffer {
  return size === 40 ? encodeAttendance40(r) : size === 16 ? encodeAttendance16(r) : encodeAttendance8(r);
}

/**
 * Record size from bytes / count; any other size of at least 40 (the 49-byte MB560-VL stride)
 * is read as a 40-byte record followed by padding, as pyzk does.
 */
export function detectAttendanceRecordSize(bytes: number, count: number): number {
  if (count > 0 && bytes % count === 0) {
    const size = bytes / count;
    if (size === 8 || size === 16 || size >= 40) return size;
  }
  for (const size of ATTENDANCE_RECORD_SIZES) if (bytes % size === 0) return size;
  throw new ZkProtocolError(
    `attendance data of ${bytes} bytes is not a whole number of 8-, 16- or 40-byte records`,
  );
}

/** A record of the log that could not be decoded: where it is, its bytes, and why. */
export interface UnreadableAttendanceRecord {
  /** Position in the log (0 = oldest), counting readable and unreadable records alike. */
  index: number;
  /** The record's bytes as the device sent them, in hex. */
  bytes: string;
  /** Why it could not be decoded, e.g. "time value 0x... decodes to an impossible date". */
  reason: string;
}

/**
 * A whole attendance log: every readable record, and every record that could not be read with
 * its position. `records.length + unreadable.length` is the log's length; positions of the
 * readable records follow from the unreadable ones (see attendanceLogEntries).
 */
export interface DecodedAttendanceLog {
  /** The readable records, oldest first. */
  records: AttendanceRecord[];
  /** The records that could not be decoded, by position (ascending). */
  unreadable: UnreadableAttendanceRecord[];
  /** Bytes per record in the log (8, 16, 40 or more). */
  recordSize: number;
}

/** One position of a log: a readable record or an unreadable one. */
export type AttendanceLogEntry = AttendanceRecord | UnreadableAttendanceRecord;

export function isUnreadableRecord(e: AttendanceLogEntry): e is UnreadableAttendanceRecord {
  return "reason" in e;
}

/** Every position of the log in order, readable and unreadable records interleaved. */
export function attendanceLogEntries(log: DecodedAttendanceLog): AttendanceLogEntry[] {
  if (log.unreadable.length === 0) return log.records;
  const out: AttendanceLogEntry[] = [];
  let next = 0;
  for (const u of log.unreadable) {
    while (out.length < u.index && next < log.records.length) out.push(log.records[next++]!);
    out.push(u);
  }
  while (next < log.records.length) out.push(log.records[next++]!);
  return out;
}

/**
 * Decode the record area of an attendance buffer, going on past records that cannot be read
 * (a corrupt time such as Feb 31): readable records are decoded as ever, each unreadable one is
 * reported with its position, bytes and reason, so no record of the device is lost or shifted.
 * Only a buffer that is not a whole number of records is an error (ZkProtocolError).
 */
export function decodeAttendanceLog(records: Buffer, count: number): DecodedAttendanceLog {
  if (records.length === 0) return { records: [], unreadable: [], recordSize: 0 };
  const size = detectAttendanceRecordSize(records.length, count);
  const decode = size === 8 ? decodeAttendance8 : size === 16 ? decodeAttendance16 : decodeAttendance40;
  const out: AttendanceRecord[] = [];
  const unreadable: UnreadableAttendanceRecord[] = [];
  const ids = new UserIdCache();
  for (let i = 0, off = 0; off + size <= records.length; i++, off += size) {
    try {
      out.push(decode(records, off, ids));
    } catch (err) {
      unreadable.push({
        index: i,
        bytes: records.toString("hex", off, off + size),
        reason: (err as Error).message,
      });
    }
  }
  return { records: out, unreadable, recordSize: size };
}

/** One line naming the unreadable records of a log (the first few in full). */
export function describeUnreadable(log: DecodedAttendanceLog, shown = 3): string {
  const total = log.records.length + log.unreadable.length;
  const n = log.unreadable.length;
  const each = log.unreadable
    .slice(0, shown)
    .map((u) => `record ${u.index} (bytes ${u.bytes}): ${u.reason}`)
    .join("; ");
  const more = n > shown ? `; and ${n - shown} more` : "";
  return `${n} of ${total} attendance records could not be read (${log.recordSize} bytes each): ${each}${more}`;
}

/**
 * Decode the record area of an attendance buffer, all or nothing: a corrupt record is a
 * ZkProtocolError naming its index. Use decodeAttendanceLog to keep the readable records.
 */
export function decodeAttendanceRecords(records: Buffer, count: number): AttendanceRecord[] {
  const log = decodeAttendanceLog(records, count);
  const first = log.unreadable[0];
  if (first) {
    const total = log.records.length + log.unreadable.length;
    throw new ZkProtocolError(
      `attendance record ${first.index} (of ${total}, ${log.recordSize} bytes each) is corrupt: ${first.reason}`,
    );
  }
  return log.records;
}
