import { decodeAttendanceLog, decodeAttendanceRecords } from "../protocol/index.js";
import type { AttendanceRecord, DecodedAttendanceLog } from "../protocol/index.js";

/**
 * The device's attendance log kept as encoded records, as the terminal stores it: 40 (or 16)
 * bytes per punch instead of a JS object, so a 200,000-record device costs 8 MB and a bulk read
 * is served without re-encoding. The store reserves 4 bytes in front for the transfer buffer's
 * length prefix (fact sheet §6.2), so `transferBuffer()` is a view, not a copy.
 */
export class AttendanceLog {
  private store: Buffer;
  private bytes = 0;
  /** A view handed to a transfer; writes that would change it go to a fresh store first. */
  private shared: Buffer | undefined;

  constructor(
    readonly recordSize: number,
    initial?: Buffer,
  ) {
    if (initial && initial.length % recordSize !== 0) {
      throw new RangeError(`attendance data of ${initial.length} bytes is not a multiple of ${recordSize}`);
    }
    // Headroom for live punches, so the first one does not copy a large seeded log.
    const bytes = initial?.length ?? 0;
    this.store = Buffer.alloc(4 + bytes + Math.max(64 * recordSize, Math.floor(bytes / 8)));
    if (initial) {
      initial.copy(this.store, 4);
      this.bytes = initial.length;
    }
  }

  get count(): number {
    return this.bytes / this.recordSize;
  }

  append(record: Buffer): void {
    if (record.length !== this.recordSize) {
      throw new RangeError(
        `attendance record of ${record.length} bytes; this device stores ${this.recordSize}`,
      );
    }
    const needed = 4 + this.bytes + record.length;
    // Copy-on-write: an in-flight transfer's prefix lives at offset 0 and must not change.
    if (this.shared || needed > this.store.length) {
      const capacity =
        needed > this.store.length ? Math.max(needed, Math.ceil(this.store.length * 1.5)) : this.store.length;
      const grown = Buffer.alloc(capacity);
      this.store.copy(grown, 0, 0, 4 + this.bytes);
      this.store = grown;
      this.shared = undefined;
    }
    record.copy(this.store, 4 + this.bytes);
    this.bytes += record.length;
  }

  /** Replace the record at `index` in place (bytes already handed to a transfer keep theirs). */
  overwrite(index: number, record: Buffer): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`no attendance record ${index}; the log holds 0..${this.count - 1}`);
    }
    if (record.length !== this.recordSize) {
      throw new RangeError(
        `attendance record of ${record.length} bytes; this device stores ${this.recordSize}`,
      );
    }
    if (this.shared) {
      const copy = Buffer.alloc(this.store.length);
      this.store.copy(copy, 0, 0, 4 + this.bytes);
      this.store = copy;
      this.shared = undefined;
    }
    record.copy(this.store, 4 + index * this.recordSize);
  }

  /** The record at `index`, as stored (a copy). */
  recordAt(index: number): Buffer {
    const off = 4 + index * this.recordSize;
    return Buffer.from(this.store.subarray(off, off + this.recordSize));
  }

  clear(): void {
    // A new store, so buffers already handed out keep their bytes.
    this.store = Buffer.alloc(4 + 64 * this.recordSize);
    this.bytes = 0;
    this.shared = undefined;
  }

  /** u32 record-byte count + records: what a bulk read of the log transfers. Never mutated later. */
  transferBuffer(): Buffer {
    if (!this.shared) {
      this.store.writeUInt32LE(this.bytes, 0);
      this.shared = this.store.subarray(0, 4 + this.bytes);
    }
    return this.shared;
  }

  /** The raw records (no prefix); a view valid until the next append or clear. */
  recordBytes(): Buffer {
    return this.store.subarray(4, 4 + this.bytes);
  }

  /** Every record decoded; throws when one cannot be (see `decoded` for a log with corrupt records). */
  records(): AttendanceRecord[] {
    return decodeAttendanceRecords(this.recordBytes(), this.count);
  }

  /** The readable records and each unreadable one with its position, bytes and reason. */
  decoded(): DecodedAttendanceLog {
    return decodeAttendanceLog(this.recordBytes(), this.count);
  }
}
