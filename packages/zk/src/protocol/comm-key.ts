/**
 * The 4-byte CMD_AUTH payload derived from the device's numeric comm key and the session id
 * (fact sheet §3). One byte of the sum is discarded, so it cannot be inverted: a device checks
 * a key by recomputing it with the `ticks` byte it received (byte 2).
 */
export function makeCommKey(key: number, sessionId: number, ticks = 50): Buffer {
  if (!Number.isInteger(key) || key < 0 || key > 0xffffffff) {
    throw new RangeError(`comm key must be an integer 0..4294967295, got ${key}`);
  }
  let rev = 0;
  for (let i = 0; i < 32; i++) rev = ((rev << 1) | ((key >>> i) & 1)) >>> 0;
  const k = (rev + (sessionId & 0xffff)) >>> 0;
  const t = ticks & 0xff;
  return Buffer.from([
    ((k >>> 16) & 255) ^ 0x53 ^ t,
    ((k >>> 24) & 255) ^ 0x4f ^ t,
    t,
    ((k >>> 8) & 255) ^ 0x4b ^ t,
  ]);
}

/** Device side: does `auth` (the CMD_AUTH data) prove knowledge of `key` for this session? */
export function verifyCommKey(auth: Buffer, key: number, sessionId: number): boolean {
  if (auth.length < 4) return false;
  return makeCommKey(key, sessionId, auth[2]!).equals(auth.subarray(0, 4));
}
