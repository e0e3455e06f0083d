/** Device options are "Key=Value" text (fact sheet §2.5): read with "~Key\0", written "Key=Value\0". */

export function encodeOptionRead(key: string): Buffer {
  return Buffer.from(`${key}\0`, "ascii");
}

/** The value after the first "=" up to the first NUL; undefined when the reply has no "=". */
export function decodeOptionValue(data: Buffer): string | undefined {
  const nul = data.indexOf(0);
  const text = data.toString("latin1", 0, nul < 0 ? data.length : nul);
  const eq = text.indexOf("=");
  return eq < 0 ? undefined : text.slice(eq + 1);
}

/** The key named by a read request ("~SerialNumber\0" -> "~SerialNumber"). */
export function decodeOptionKey(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString("latin1", 0, nul < 0 ? data.length : nul);
}

export function encodeOptionWrite(key: string, value: string): Buffer {
  return Buffer.from(`${key}=${value}\0`, "latin1");
}

export function encodeOptionReply(key: string, value: string): Buffer {
  return encodeOptionWrite(key, value);
}

/** Parse a write request "Key=Value[\0]". */
export function decodeOptionWrite(data: Buffer): { key: string; value: string } | undefined {
  const value = decodeOptionValue(data);
  if (value === undefined) return undefined;
  const text = data.toString("latin1");
  return { key: text.slice(0, text.indexOf("=")), value };
}
