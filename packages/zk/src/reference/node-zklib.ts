// node-zklib (npm) is the independent reader the interop tests and bench:zk compare ours with.
// It ships no types: this is the part of its API they use, in one place. A dev dependency only.

export interface ZkLibUser {
  uid: number;
  role: number;
  password: string;
  name: string;
  cardno: number;
  userId: string;
}

export interface ZkLibRecord {
  userSn: number;
  deviceUserId: string;
  recordTime: Date;
}

export interface ZkLib {
  createSocket(): Promise<unknown>;
  getUsers(): Promise<{ data: ZkLibUser[]; err: Error | null }>;
  getAttendances(): Promise<{ data: ZkLibRecord[]; err: Error | null }>;
  getInfo(): Promise<{ userCounts: number; logCounts: number; logCapacity: number }>;
  disconnect(): Promise<unknown>;
}

type ZkLibConstructor = new (ip: string, port: number, timeout: number, inport: number) => ZkLib;

/** A node-zklib instance for a device (not yet connected: call createSocket()). */
export function nodeZklib(host: string, port: number, timeoutMs: number, inport = 0): ZkLib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ZKLib = require("node-zklib") as ZkLibConstructor;
  return new ZKLib(host, port, timeoutMs, inport);
}
