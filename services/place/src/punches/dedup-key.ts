import { createHash } from "node:crypto";

/**
 * The identity of a punch: the same punch read by a pull, delivered live, or pushed later over
 * ADMS hashes to the same key, so the journal stores it once. Inputs are the device's own facts
 * (serial, user, wall-clock time, state), never when or how it arrived. The fields are hashed as a
 * JSON array so a separator inside one field cannot make two punches collide.
 */
export function dedupKey(
  deviceSerial: string,
  userId: string,
  localTime: string,
  punchState: number,
): string {
  return createHash("sha256")
    .update(JSON.stringify([deviceSerial, userId, localTime, punchState]))
    .digest("hex")
    .slice(0, 32);
}
