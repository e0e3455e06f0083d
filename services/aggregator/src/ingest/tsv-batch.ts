/**
 * One insert's rows as TabSeparated bytes, appended as punches arrive. The bytes live outside the
 * JavaScript heap, so a batch of 10,000 rows per place is not 10,000 objects that every young-
 * generation collection must copy (that copying was most of the aggregator's CPU in a catch-up).
 */
export class TsvBatch {
  private buf = Buffer.allocUnsafe(1 << 20);
  private length = 0;
  rows = 0;
  /** Journal offset of the newest row. */
  lastOffset = 0;
  /** Date.now() when the first row came. */
  firstAt = 0;

  add(line: string, offset: number): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    if (this.length + line.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + line.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    if (this.rows === 0) this.firstAt = Date.now();
    this.length += this.buf.write(line, this.length);
    this.rows++;
    this.lastOffset = offset;
  }

  /** The rows so far (a view: valid until the next add or clear). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Empty it for the next batch, keeping the memory (a fresh buffer per batch made GC work). */
  clear(): void {
    this.length = this.rows = this.lastOffset = this.firstAt = 0;
  }
}
