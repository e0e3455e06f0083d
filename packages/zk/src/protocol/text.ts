/** Text fields on the device are NUL-padded in the device's code page (fact sheet §9.7). */
export type TextEncoding = "utf8" | "latin1";

/** Read a NUL-terminated text field of `size` bytes. */
export function readText(b: Buffer, offset: number, size: number, encoding: TextEncoding = "utf8"): string {
  const end = offset + size;
  let stop = offset;
  while (stop < end && b[stop] !== 0) stop++;
  return b.toString(encoding, offset, stop);
}

/**
 * Write `value` NUL-padded into `size` bytes; refuses what does not fit. Names keep one NUL;
 * passwords may fill the field (`maxBytes = size`).
 */
export function writeText(
  b: Buffer,
  offset: number,
  size: number,
  value: string,
  field: string,
  encoding: TextEncoding = "utf8",
  maxBytes = size - 1,
): void {
  const bytes = Buffer.from(value, encoding);
  if (bytes.length > maxBytes) {
    throw new RangeError(
      `${field} "${value}" is ${bytes.length} bytes; the device stores at most ${maxBytes}`,
    );
  }
  b.fill(0, offset, offset + size);
  bytes.copy(b, offset);
}
