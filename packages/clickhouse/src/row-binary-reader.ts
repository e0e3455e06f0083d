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
   * A String column of ids: the value's index in `table` (added there the first time its bytes
   * come), so a column of a few distinct values makes a few strings however many rows it has.
   */
  stringIndex(table: StringTable): number {
    const length = this.length();
    this.need(length);
    const start = this.at;
    this.at += length;
    return table.indexOf(this.buf, start, length);
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

/** The distinct values of a String column, by their bytes (RowBinaryReader.stringIndex). */
export class StringTable {
  readonly texts: string[] = [];
  private readonly bytes: Buffer[] = [];
  /** FNV-1a of the bytes (30 bits) -> indexes of the values with that hash. */
  private readonly byHash = new Map<number, number[]>();

  indexOf(buf: Buffer, start: number, length: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    hash &= 0x3fffffff; // a small integer: a Map key that needs no allocation
    const candidates = this.byHash.get(hash);
    if (candidates) {
      // A JavaScript loop: ids are short, and Buffer.compare's checks cost more than the bytes.
      next: for (let c = 0; c < candidates.length; c++) {
        const k = candidates[c]!;
        const bytes = this.bytes[k]!;
        if (bytes.length !== length) continue;
        for (let i = 0; i < length; i++) if (bytes[i] !== buf[start + i]) continue next;
        return k;
      }
    }
    const k = this.texts.length;
    const bytes = Buffer.from(buf.subarray(start, start + length));
    this.bytes.push(bytes);
    this.texts.push(bytes.toString("utf8"));
    if (candidates) candidates.push(k);
    else this.byHash.set(hash, [k]);
    return k;
  }
}
