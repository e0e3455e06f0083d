/**
 * One insert's rows as RowBinary bytes (store/row-binary.ts writes them), appended as punches
 * arrive. The bytes live outside the JavaScript heap, so a batch of 50,000 rows per place is not
 * 50,000 objects that every young-generation collection must copy (that copying was most of the
 * aggregator's CPU in a catch-up).
 */
export class RowBinaryBatch {
  /** The bytes; rows are written at `length` after reserve(). */
  buf = Buffer.allocUnsafe(1 << 20);
  length = 0;
  rows = 0;
  /** Journal offset of the newest row. */
  lastOffset = 0;
  /** Date.now() when the first row came. */
  firstAt = 0;

  /** Make room for `n` more bytes after `length`; returns the buffer to write them into. */
  reserve(n: number): Buffer {
    if (this.length + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Count the row just written, which ends at `end`. */
  endRow(end: number, offset: number): void {
    if (this.rows === 0) this.firstAt = Date.now();
    this.length = end;
    this.rows++;
    this.lastOffset = offset;
  }

  /** The rows so far (a view: valid until the next write or clear). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Empty it for the next batch, keeping the memory (a fresh buffer per batch made GC work). */
  clear(): void {
    this.length = this.rows = this.lastOffset = this.firstAt = 0;
  }
}
