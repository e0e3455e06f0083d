import { PassThrough, type Readable } from "node:stream";

/**
 * One INSERT ... FORMAT RowBinary whose body is written piece by piece while it runs: the server
 * parses rows as they come and makes its parts when the body ends (or every
 * max_insert_block_size rows), so rows written over a while become a few large parts instead of
 * a part per piece. Made by ClickHouseDb.openRowBinaryInsert.
 */
export class RowBinaryInsert {
  private readonly body = new PassThrough();
  /** Settles with the server's reply: after end(), or before it when the insert fails. */
  readonly result: Promise<void>;

  constructor(send: (body: Readable) => Promise<void>) {
    this.result = send(this.body);
    // A failed insert reads no more.
    this.result.catch(() => this.body.destroy());
  }

  /** Append rows; the bytes are not copied, so leave them unchanged until the insert settles. */
  write(rows: Buffer): void {
    if (rows.length > 0 && !this.body.destroyed) this.body.write(rows);
  }

  /** End the body; settles once the server stored every row written, or failed. */
  end(): Promise<void> {
    this.body.end();
    return this.result;
  }
}
