import { ZkProtocolError } from "./errors.js";

/** Counters and capacities from CMD_GET_FREE_SIZES (fact sheet §5.6). */
export interface FreeSizes {
  users: number;
  fingers: number;
  records: number;
  opLogs: number;
  admins: number;
  passwords: number;
  fingersCapacity: number;
  usersCapacity: number;
  recordsCapacity: number;
  fingersAvailable: number;
  usersAvailable: number;
  recordsAvailable: number;
  /** Only in the 92-byte form. */
  faces?: number;
  facesCapacity?: number;
}

const FIELDS: ReadonlyArray<[keyof FreeSizes, number]> = [
  ["users", 4],
  ["fingers", 6],
  ["records", 8],
  ["opLogs", 10],
  ["admins", 12],
  ["passwords", 13],
  ["fingersCapacity", 14],
  ["usersCapacity", 15],
  ["recordsCapacity", 16],
  ["fingersAvailable", 17],
  ["usersAvailable", 18],
  ["recordsAvailable", 19],
];

export function decodeFreeSizes(data: Buffer): FreeSizes {
  if (data.length < 80) {
    throw new ZkProtocolError(`free-sizes reply has ${data.length} bytes; at least 80 expected`);
  }
  const sizes = {} as FreeSizes;
  for (const [name, index] of FIELDS) sizes[name] = data.readInt32LE(index * 4);
  if (data.length >= 92) {
    sizes.faces = data.readInt32LE(80);
    sizes.facesCapacity = data.readInt32LE(88);
  }
  return sizes;
}

/** The 92-byte form (80 when the device has no face counters). */
export function encodeFreeSizes(s: FreeSizes): Buffer {
  const withFaces = s.faces !== undefined || s.facesCapacity !== undefined;
  const b = Buffer.alloc(withFaces ? 92 : 80);
  for (const [name, index] of FIELDS) b.writeInt32LE(s[name] ?? 0, index * 4);
  if (withFaces) {
    b.writeInt32LE(s.faces ?? 0, 80);
    b.writeInt32LE(s.facesCapacity ?? 0, 88);
  }
  return b;
}
