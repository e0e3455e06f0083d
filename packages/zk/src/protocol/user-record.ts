import { ZkProtocolError } from "./errors.js";
import { readText, writeText, type TextEncoding } from "./text.js";

/** A person enrolled on a device (fact sheet §5.1). */
export interface ZkUser {
  /** The device's internal slot (1..65535): used by delete and template commands. */
  uid: number;
  /** The badge/PIN string that reports use. */
  userId: string;
  name: string;
  /** Raw privilege byte: bit 0 = disabled, bits 1-3 = role (§5.3). */
  privilege: number;
  password: string;
  card: number;
  /** Group number (byte 39 of the 72-byte record, byte 21 of the 28-byte one). */
  group: number;
}

export const USER_RECORD_SIZES = [72, 28] as const;
export type UserRecordSize = (typeof USER_RECORD_SIZES)[number];

export const Privilege = { user: 0, enroller: 2, manager: 6, admin: 14 } as const;
export type PrivilegeName = keyof typeof Privilege;

/** Role name of a privilege byte ("user", "enroller", "manager", "admin"). */
export function privilegeName(privilege: number): PrivilegeName {
  const role = privilege & 0x0e;
  if (role === Privilege.admin) return "admin";
  if (role === Privilege.manager || role === 12) return "manager";
  if (role === Privilege.enroller) return "enroller";
  return "user";
}

function checkUid(uid: number): void {
  if (!Number.isInteger(uid) || uid < 1 || uid > 0xffff)
    throw new RangeError(`uid must be 1..65535, got ${uid}`);
}

function checkU32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${field} must be an integer 0..4294967295, got ${value}`);
  }
}

/** 72-byte layout: uid, privilege, password[8], name[24], card u32, group, 7 bytes, 1 pad, user_id[24]. */
export function encodeUser72(u: ZkUser, enc: TextEncoding = "utf8"): Buffer {
  checkUid(u.uid);
  checkU32(u.card, "card");
  const b = Buffer.alloc(72);
  b.writeUInt16LE(u.uid, 0);
  b.writeUInt8(u.privilege & 0xff, 2);
  writeText(b, 3, 8, u.password, "password", enc, 8);
  writeText(b, 11, 24, u.name, "name", enc);
  b.writeUInt32LE(u.card, 35);
  b.writeUInt8(u.group & 0xff, 39);
  writeText(b, 48, 24, u.userId, "user id", "utf8");
  return b;
}

export function decodeUser72(b: Buffer, off = 0, enc: TextEncoding = "utf8"): ZkUser {
  return {
    uid: b.readUInt16LE(off),
    privilege: b[off + 2]!,
    password: readText(b, off + 3, 8, enc),
    name: readText(b, off + 11, 24, enc),
    card: b.readUInt32LE(off + 35),
    group: b[off + 39]!,
    userId: readText(b, off + 48, 24, "utf8"),
  };
}

/** 28-byte layout (older firmware): user_id is a number there. */
export function encodeUser28(u: ZkUser, enc: TextEncoding = "utf8"): Buffer {
  checkUid(u.uid);
  checkU32(u.card, "card");
  if (!/^\d{1,10}$/.test(u.userId) || Number(u.userId) > 0xffffffff) {
    throw new RangeError(`user id "${u.userId}": this firmware stores numeric user ids (0..4294967295) only`);
  }
  const b = Buffer.alloc(28);
  b.writeUInt16LE(u.uid, 0);
  b.writeUInt8(u.privilege & 0xff, 2);
  writeText(b, 3, 5, u.password, "password", enc, 5);
  writeText(b, 8, 8, u.name, "name", enc, 8);
  b.writeUInt32LE(u.card, 16);
  b.writeUInt8(u.group & 0xff, 21);
  b.writeUInt32LE(Number(u.userId), 24);
  return b;
}

export function decodeUser28(b: Buffer, off = 0, enc: TextEncoding = "utf8"): ZkUser {
  return {
    uid: b.readUInt16LE(off),
    privilege: b[off + 2]!,
    password: readText(b, off + 3, 5, enc),
    name: readText(b, off + 8, 8, enc),
    card: b.readUInt32LE(off + 16),
    group: b[off + 21]!,
    userId: String(b.readUInt32LE(off + 24)),
  };
}

export function encodeUser(u: ZkUser, size: UserRecordSize, enc?: TextEncoding): Buffer {
  return size === 72 ? encodeUser72(u, enc) : encodeUser28(u, enc);
}

/**
 * Decode the record area of a user buffer. The record size comes from bytes / count (§9.1-2);
 * when that does not divide evenly we refuse rather than guess a misaligned layout.
 */
export function decodeUsers(records: Buffer, count: number, enc?: TextEncoding): ZkUser[] {
  if (records.length === 0) return [];
  const size = detectUserRecordSize(records.length, count);
  const decode = size === 72 ? decodeUser72 : decodeUser28;
  const users: ZkUser[] = new Array(records.length / size);
  for (let i = 0, off = 0; off < records.length; i++, off += size) users[i] = decode(records, off, enc);
  return users;
}

export function detectUserRecordSize(bytes: number, count: number): UserRecordSize {
  if (count > 0 && bytes / count === 28) return 28;
  if (count > 0 && bytes / count === 72) return 72;
  // Counters can be stale (records added between the two calls): fall back to what divides.
  for (const size of USER_RECORD_SIZES) if (bytes % size === 0) return size;
  throw new ZkProtocolError(`user data of ${bytes} bytes is not a whole number of 28- or 72-byte records`);
}
