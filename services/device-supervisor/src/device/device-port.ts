import type { AttendanceLogEntry, AttLogEvent, WallClock, ZkUser } from "@biometricflow/zk";

/** Where and how to reach a device. */
export interface DeviceParams {
  host: string;
  port: number;
  transport: "tcp" | "udp";
  /** 0 when the device has no comm key. */
  commKey: number;
}

export interface DeviceCounts {
  users: number;
  records: number;
  recordsCapacity: number;
}

export interface DeviceIdentity extends DeviceCounts {
  serialNumber: string;
  firmware: string;
  /** The device clock when it was read. */
  time: WallClock;
}

/**
 * Everything a device actor does to its device. One port per device and one session at a time:
 * the machine never talks to a socket, so it can be tested against an in-memory port.
 */
export interface DevicePort {
  readonly isConnected: boolean;
  /** Where to connect next time (the current session is left alone). */
  configure(params: DeviceParams): void;
  /** Open a session (closing any previous one first) and re-enable the device if we left it disabled. */
  connect(): Promise<void>;
  identify(): Promise<DeviceIdentity>;
  /** A cheap command (GET_FREE_SIZES); with a timeout it doubles as the liveness probe. */
  counts(timeoutMs?: number): Promise<DeviceCounts>;
  /**
   * The whole log, oldest first, one entry per record: a record that could not be decoded is
   * kept in its position with its bytes and the reason. With `lock`, the keypad is disabled
   * during the read and always re-enabled.
   */
  readLog(options: { lock: boolean }): Promise<AttendanceLogEntry[]>;
  getTime(): Promise<WallClock>;
  setTime(time: WallClock): Promise<void>;
  getUsers(): Promise<ZkUser[]>;
  setUser(user: ZkUser): Promise<void>;
  deleteUser(uid: number): Promise<void>;
  clearLog(): Promise<void>;
  /** Disable the device around `work`; it is enabled again whatever happens, even across a reconnect. */
  withDisabled<T>(work: () => Promise<T>): Promise<T>;
  /** Register for realtime punches; they go to the listener set with onPunch. */
  startLive(): Promise<void>;
  onPunch(listener: (event: AttLogEvent) => void): () => void;
  /** The session ended without us closing it (device reboot, network). */
  onClose(listener: (error?: Error) => void): () => void;
  /** End the session; waits for a disable bracket to re-enable the device first. Idempotent. */
  close(): Promise<void>;
}
