import {
  ZkAuthError,
  ZkNetworkError,
  ZkTimeoutError,
  type AttendanceRecord,
  type AttLogEvent,
  type WallClock,
  type ZkUser,
} from "@biometricflow/zk";
import type { DeviceCounts, DeviceIdentity, DeviceParams, DevicePort } from "../../src/device/device-port.js";
import { clockDrift, placeWallClock } from "../../src/sync/clock.js";

/** The fake device's clock runs in this zone (plus its offset). */
export const FAKE_ZONE = "Africa/Lagos";

export type ConnectFault = "refuse" | "auth" | undefined;

/**
 * An in-memory device behind the DevicePort interface, for machine tests under fake timers.
 * `calls` records every operation in order, so tests can check what happened before what.
 */
export class FakeDevice implements DevicePort {
  records: AttendanceRecord[] = [];
  users: ZkUser[] = [];
  serialNumber = "FAKE0001";
  recordsCapacity = 100_000;
  /** Device clock minus the true Lagos wall clock. */
  clockOffsetSeconds = 0;
  enabled = true;
  connectFault: ConnectFault;
  /** The next clearLog fails. */
  clearFails = false;
  /** When each connect was attempted (ms, fake clock). */
  readonly connectTimes: number[] = [];
  /** The next probe (counts with a timeout) hangs past its timeout. */
  probeHangs = false;
  /** Operations fail as on a session the device forgot (a reboot without a FIN). */
  sessionLost = false;
  readonly calls: string[] = [];
  params: DeviceParams | undefined;
  private connected = false;
  private live = false;
  private readonly punchListeners = new Set<(e: AttLogEvent) => void>();
  private readonly closeListeners = new Set<(e?: Error) => void>();

  get isConnected(): boolean {
    return this.connected;
  }

  get isLive(): boolean {
    return this.connected && this.live;
  }

  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }

  /** A person punches; live sessions hear about it. */
  punch(userId: string, timestamp: WallClock, punch = 0): AttendanceRecord {
    const record: AttendanceRecord = { uid: Number(userId) || 1, userId, timestamp, verify: 1, punch };
    this.records.push(record);
    if (this.isLive && !this.sessionLost) {
      for (const l of this.punchListeners) l({ userId, timestamp, verify: 1, punch });
    }
    return record;
  }

  /** Reboot with a closed socket (TCP): the client hears "close". */
  reboot(): void {
    this.sessionLost = false;
    this.dropSession();
    for (const l of this.closeListeners) l(new ZkNetworkError("connection reset"));
  }

  /** Reboot the client never hears about (UDP): registration and session are gone silently. */
  silentReboot(): void {
    this.sessionLost = true;
    this.live = false;
  }

  configure(params: DeviceParams): void {
    this.params = params;
  }

  async connect(): Promise<void> {
    this.calls.push("connect");
    this.connectTimes.push(Date.now());
    this.dropSession();
    if (this.connectFault === "refuse") throw new ZkNetworkError("connect ECONNREFUSED");
    if (this.connectFault === "auth") throw new ZkAuthError("the device refused the comm key");
    this.connected = true;
    this.sessionLost = false;
  }

  get time(): WallClock {
    return placeWallClock(FAKE_ZONE, new Date(Date.now() + this.clockOffsetSeconds * 1000));
  }

  async identify(): Promise<DeviceIdentity> {
    this.check("identify");
    return { serialNumber: this.serialNumber, firmware: "Ver 6.60", time: this.time, ...this.sizes() };
  }

  async counts(timeoutMs?: number): Promise<DeviceCounts> {
    this.check(timeoutMs === undefined ? "counts" : "probe");
    if (timeoutMs !== undefined && this.probeHangs) {
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      throw new ZkTimeoutError("no reply to the probe");
    }
    return this.sizes();
  }

  async readLog(options: { lock: boolean }): Promise<AttendanceRecord[]> {
    this.check(options.lock ? "readLog(lock)" : "readLog");
    return this.records.map((r) => ({ ...r }));
  }

  async getTime(): Promise<WallClock> {
    this.check("getTime");
    return this.time;
  }

  async setTime(time: WallClock): Promise<void> {
    this.check("setTime");
    this.clockOffsetSeconds = clockDrift(time, placeWallClock(FAKE_ZONE));
  }

  async getUsers(): Promise<ZkUser[]> {
    this.check("getUsers");
    return this.users.map((u) => ({ ...u }));
  }

  async setUser(user: ZkUser): Promise<void> {
    this.check("setUser");
    this.users = [...this.users.filter((u) => u.uid !== user.uid), user];
  }

  async deleteUser(uid: number): Promise<void> {
    this.check("deleteUser");
    this.users = this.users.filter((u) => u.uid !== uid);
  }

  async clearLog(): Promise<void> {
    this.check("clearLog");
    if (this.clearFails) {
      this.clearFails = false;
      throw new ZkNetworkError("connection reset during CLEAR_ATTLOG");
    }
    this.records = [];
  }

  async withDisabled<T>(work: () => Promise<T>): Promise<T> {
    this.check("disable");
    this.enabled = false;
    try {
      return await work();
    } finally {
      this.calls.push("enable");
      this.enabled = true;
    }
  }

  async startLive(): Promise<void> {
    this.check("startLive");
    this.live = true;
  }

  onPunch(listener: (event: AttLogEvent) => void): () => void {
    this.punchListeners.add(listener);
    return () => this.punchListeners.delete(listener);
  }

  onClose(listener: (error?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.connected) this.calls.push("close");
    this.dropSession();
  }

  private dropSession(): void {
    this.connected = false;
    this.live = false;
  }

  private sizes(): DeviceCounts {
    return { users: this.users.length, records: this.records.length, recordsCapacity: this.recordsCapacity };
  }

  private check(op: string): void {
    this.calls.push(op);
    if (!this.connected) throw new ZkNetworkError(`${op}: not connected`);
    if (this.sessionLost) throw new ZkAuthError("the device says this session is not authenticated");
  }
}

/** n punches of user "1001".."1000+n" one minute apart from 2025-03-03 07:00. */
export function seedRecords(device: FakeDevice, n: number, startMinute = 0): void {
  for (let i = 0; i < n; i++) {
    const m = startMinute + i;
    const hh = String(7 + Math.floor(m / 60)).padStart(2, "0");
    const mm = String(m % 60).padStart(2, "0");
    device.records.push({
      uid: 1 + (i % 50),
      userId: String(1001 + (i % 50)),
      timestamp: `2025-03-03T${hh}:${mm}:00`,
      verify: 1,
      punch: 0,
    });
  }
}
