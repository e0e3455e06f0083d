/**
 * Reads a query result in ClickHouse's RowBinary format (ClickHouseDb.rowBinary): values back to
 * back, row after row, little-endian numbers, strings and arrays led by a LEB128 length. For large
 * numeric results it is a fraction of the bytes of JSON, and numbers go straight into typed arrays
 * without a text or an object in between. Only the types the callers read are here.
 */
export class RowBinaryReader {
  private at = 0;
  /** Recently read strings by their bytes: ids repeat row after row, one string serves them all. */
  private readonly recent: { bytes: Buffer; text: string }[] = [];

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
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
   * bytes were read among the few most recent distinct ones, so a column of a handful of values
   * makes a handful of strings.
   */
  repeatedString(): string {
    const length = this.length();
    this.need(length);
    const start = this.at;
    this.at += length;
    const buf = this.buf;
    // A JavaScript loop: ids are short, and Buffer.compare's checks cost more than the bytes.
    next: for (const r of this.recent) {
      const bytes = r.bytes;
      if (bytes.length !== length) continue;
      for (let i = 0; i < length; i++) if (bytes[i] !== buf[start + i]) continue next;
      return r.text;
    }
    const bytes = Buffer.from(this.buf.subarray(start, start + length));
    const text = bytes.toString("utf8");
    this.recent.unshift({ bytes, text });
    if (this.recent.length > 16) this.recent.pop();
    return text;
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
