// Writing ClickHouse RowBinary by hand: each value in its column type's binary layout, which the
// server copies into its blocks instead of parsing text (String: LEB128 length then UTF-8 bytes;
// UInt8/UInt32/UInt64 and DateTime (seconds, UInt32): little endian). Callers reserve room first;
// every function returns the position after what it wrote.

/** DateTime holds Unix seconds as a UInt32 (up to 2106-02-07). */
export const MAX_DATETIME = 2 ** 32 - 1;

/** An unsigned LEB128 integer (a String's length). */
export function putVarUInt(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** A String from JavaScript text; needs room for 5 + 3 * s.length bytes. */
export function putString(buf: Buffer, pos: number, s: string): number {
  if (s.length === 0) {
    buf[pos] = 0;
    return pos + 1;
  }
  const bytes = Buffer.byteLength(s);
  pos = putVarUInt(buf, pos, bytes);
  return pos + buf.write(s, pos, bytes);
}

/** A String of UTF-8 bytes src[from, to). */
export function putStringBytes(buf: Buffer, pos: number, src: Buffer, from: number, to: number): number {
  pos = putVarUInt(buf, pos, to - from);
  return putBytes(buf, pos, src, from, to);
}

/** Bytes as they are (an already encoded value); a loop beats Buffer.copy for short values. */
export function putBytes(buf: Buffer, pos: number, src: Buffer, from: number, to: number): number {
  if (to - from > 64) return pos + src.copy(buf, pos, from, to);
  while (from < to) buf[pos++] = src[from++]!;
  return pos;
}

export function putUInt8(buf: Buffer, pos: number, n: number): number {
  buf[pos] = n;
  return pos + 1;
}

/** A UInt32 or DateTime; n must be an integer in [0, 2^32). */
export function putUInt32(buf: Buffer, pos: number, n: number): number {
  buf[pos] = n;
  buf[pos + 1] = n >>> 8;
  buf[pos + 2] = n >>> 16;
  buf[pos + 3] = n >>> 24;
  return pos + 4;
}

/** A UInt64 from a safe integer. */
export function putUInt64(buf: Buffer, pos: number, n: number): number {
  const low = n % 0x1_0000_0000;
  putUInt32(buf, pos, low);
  return putUInt32(buf, pos + 4, (n - low) / 0x1_0000_0000);
}
