import { InvalidArgumentError, NotFoundError } from "@biometricflow/grpc-kit";
import { isPrintable } from "../printable.js";

/** A required, printable text field of at most `max` characters. */
export function requireText(value: string, field: string, max = 200): string {
  if (value === "") throw new InvalidArgumentError(`${field} is required`);
  if (value.length > max || !isPrintable(value)) {
    throw new InvalidArgumentError(`${field} must be at most ${max} printable characters`);
  }
  return value;
}

/** A device id of this place (NOT_FOUND otherwise). */
export function requireDevice(deviceIds: ReadonlySet<string>, deviceId: string, field = "device_id"): string {
  requireText(deviceId, field, 63);
  if (!deviceIds.has(deviceId)) throw new NotFoundError(`device "${deviceId}" is not a device of this place`);
  return deviceId;
}

/** A page size: 0 means `fallback`; above `max` is refused rather than silently cut. */
export function pageSize(value: number, field: string, fallback: number, max: number): number {
  if (value > max) throw new InvalidArgumentError(`${field} must be at most ${max}, got ${value}`);
  return value === 0 ? fallback : value;
}

// Page tokens are opaque to callers: the journal offset after which the next page starts.
export function encodePageToken(afterOffset: number): string {
  return Buffer.from(`o:${afterOffset}`).toString("base64url");
}

export function decodePageToken(token: string): number {
  if (token === "") return 0;
  const m = /^o:(\d{1,16})$/.exec(Buffer.from(token, "base64url").toString());
  if (!m) throw new InvalidArgumentError("page_token is not one this service issued");
  return Number(m[1]);
}
