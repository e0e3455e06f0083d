/**
 * Reads a query result in ClickHouse's RowBinary format (ClickHouseDb.rowBinary): values back to
 * back, row after row, little-endian numbers, strings and arrays led by a LEB128 length. For large
 * numeric results it is a fraction of the bytes of JSON, and numbers go straight into typed arrays
 * without a text or an object in between. Only the types the callers read are here.
 */
export class RowBinaryReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  // Bytes by hand, not Buffer's readers: each of those checks its arguments, and a large result
  // is millions of values; need() has checked the bounds.
  uint8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  uint16(): number {
    this.need(2);
    const b = this.buf;
    const at = (this.at += 2);
    return b[at - 2]! | (b[at - 1]! << 8);
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const at = (this.at += 4);
    return b[at - 4]! | (b[at - 3]! << 8) | (b[at - 2]! << 16) | (b[at - 1]! << 24);
  }

  /** A String column, decoded as UTF-8. */
  string(): string {
    const length = this.length();
    this.need(length);
    const text = this.buf.toString("utf8", this.at, this.at + length);
    this.at += length;
    return text;
  }

  /**
   * A String column expected to repeat (ids): the same string object as the last time these
   * bytes were read into `seen` (one StringCache per column: it holds that column's most recent
   * distinct values), so a column of a handful of values makes a handful of strings.
   */
  repeatedString(seen: StringCache): string {
    const length = this.length();
    this.need(length);
    const start = this.at;
    this.at += length;
    const hit = seen.find(this.buf, start, length);
    if (hit !== undefined) return hit;
    return seen.add(Buffer.from(this.buf.subarray(start, start + length)));
  }

  /** LEB128, as ClickHouse writes string and array lengths. */
  length(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.uint8();
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new RowBinaryError(`a length at byte ${this.at} runs past 5 bytes`);
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.buf.length)
      throw new RowBinaryError(
        `the result ends at byte ${this.buf.length}, ${bytes} more were expected at ${this.at}`,
      );
  }
}

/** The bytes do not hold the values the reader was told to expect. */
export class RowBinaryError extends Error {
  override name = "RowBinaryError";
}

/** The most recent distinct values of one String column (RowBinaryReader.repeatedString). */
export class StringCache {
  private readonly bytes: Buffer[] = [];
  private readonly texts: string[] = [];

  constructor(private readonly size = 16) {}

  find(buf: Buffer, start: number, length: number): string | undefined {
    // A JavaScript loop: ids are short, and Buffer.compare's checks cost more than the bytes.
    next: for (let k = 0; k < this.bytes.length; k++) {
      const bytes = this.bytes[k]!;
      if (bytes.length !== length) continue;
      for (let i = 0; i < length; i++) if (bytes[i] !== buf[start + i]) continue next;
      return this.texts[k];
    }
    return undefined;
  }

  add(bytes: Buffer): string {
    const text = bytes.toString("utf8");
    this.bytes.unshift(bytes);
    this.texts.unshift(text);
    if (this.bytes.length > this.size) {
      this.bytes.pop();
      this.texts.pop();
    }
    return text;
  }
}
