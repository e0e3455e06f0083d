import { readText, writeText } from "./text.js";
import { decodeTimeHex, encodeTimeHex, type WallClock } from "./time.js";

/** A live punch as delivered in an EF_ATTLOG event (fact sheet §7). */
export interface AttLogEvent {
  userId: string;
  verify: number;
  punch: number;
  timestamp: WallClock;
}

/**
 * Decode an EF_ATTLOG payload; the layout is chosen by its length. Unknown lengths yield no
 * events (pyzk crashes or loops on them): the caller reports them instead.
 */
export function decodeAttLogEvent(data: Buffer): AttLogEvent[] {
  const n = data.length;
  if (n === 10 || n === 14) return [short(data, data.readUInt16LE(0), 2)];
  if (n === 12) return [short(data, data.readUInt32LE(0), 4)];
  if (n === 32 || n === 36 || n === 37) return [long(data, 0)];
  if (n >= 52 && n % 52 === 0) {
    const events: AttLogEvent[] = [];
    for (let off = 0; off < n; off += 52) events.push(long(data, off));
    return events;
  }
  return [];
}

function short(data: Buffer, userId: number, at: number): AttLogEvent {
  return {
    userId: String(userId),
    verify: data[at]!,
    punch: data[at + 1]!,
    timestamp: decodeTimeHex(data, at + 2),
  };
}

function long(data: Buffer, off: number): AttLogEvent {
  return {
    userId: readText(data, off, 24),
    verify: data[off + 24]!,
    punch: data[off + 25]!,
    timestamp: decodeTimeHex(data, off + 26),
  };
}

/** Encode in the 32-byte text form (modern firmware) or the 12-byte numeric form (old firmware). */
export function encodeAttLogEvent(e: AttLogEvent, size: 32 | 36 | 12 = 36): Buffer {
  if (size === 12) {
    // `Number(id) >>> 0` would silently send user 0 for "A-17" or 2^32: refuse instead.
    if (!/^\d{1,10}$/.test(e.userId) || Number(e.userId) > 0xffffffff) {
      throw new RangeError(`user id "${e.userId}": 12-byte events hold numeric user ids only`);
    }
    const b = Buffer.alloc(12);
    b.writeUInt32LE(Number(e.userId), 0);
    b[4] = e.verify;
    b[5] = e.punch;
    encodeTimeHex(e.timestamp).copy(b, 6);
    return b;
  }
  const b = Buffer.alloc(size);
  writeText(b, 0, 24, e.userId, "user id");
  b[24] = e.verify;
  b[25] = e.punch;
  encodeTimeHex(e.timestamp).copy(b, 26);
  return b;
}

/** Is this event code one the REG_EVENT mask asked for? */
export function isRegistered(mask: number, eventCode: number): boolean {
  return (mask & eventCode) !== 0;
}
