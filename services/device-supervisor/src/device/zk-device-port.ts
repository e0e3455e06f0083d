import type { Logger } from "@biometricflow/telemetry";
import {
  ZkClient,
  ZkTimeoutError,
  attendanceLogEntries,
  type AttendanceLogEntry,
  type AttLogEvent,
  type WallClock,
  type ZkUser,
} from "@biometricflow/zk";
import type { DeviceCounts, DeviceIdentity, DeviceParams, DevicePort } from "./device-port.js";
import type { SessionRegistry } from "./session-registry.js";

export interface ZkPortShared {
  sessions: SessionRegistry;
  /** Per request, and between packets of a long reply. */
  timeoutMs: number;
  log: Logger;
}

/** A DevicePort over the ZK client: one ZkClient (one session) at a time. */
export class ZkDevicePort implements DevicePort {
  private client: ZkClient | undefined;
  private release: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  /** A running disable..enable bracket: close() waits for it so the device is never left disabled. */
  private bracket: Promise<unknown> | undefined;
  private readonly punchListeners = new Set<(event: AttLogEvent) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();

  constructor(
    private readonly deviceId: string,
    private params: DeviceParams,
    private readonly shared: ZkPortShared,
  ) {}

  get isConnected(): boolean {
    return this.client?.isConnected ?? false;
  }

  configure(params: DeviceParams): void {
    this.params = params;
  }

  async connect(): Promise<void> {
    await this.close();
    const { host, port, transport, commKey } = this.params;
    const release = this.shared.sessions.claim(`${host}:${port}`, this.deviceId);
    const client = new ZkClient({
      host,
      port,
      transport,
      commKey: commKey || undefined,
      timeoutMs: this.shared.timeoutMs,
    });
    client.on("attendance", (event) => this.punchListeners.forEach((l) => l(event)));
    client.on("close", (error) => {
      if (this.client === client) this.closeListeners.forEach((l) => l(error));
    });
    client.on("warning", (message) => this.shared.log.warn({ device: this.deviceId }, message));
    this.client = client;
    this.release = release;
    try {
      await client.connect();
      // Every session starts by enabling the keypad: a read or clear this process (or a previous
      // one, killed or timed out mid-bracket) left disabled must never stay so. The device is ours
      // alone (one connection per device), so nothing else wants it disabled.
      await client.enableDevice();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async identify(): Promise<DeviceIdentity> {
    const info = await this.c().getInfo();
    return {
      serialNumber: info.serialNumber,
      firmware: info.firmware,
      users: info.users,
      records: info.records,
      recordsCapacity: info.recordsCapacity,
      time: info.time,
    };
  }

  async counts(timeoutMs?: number): Promise<DeviceCounts> {
    const sizes = await withTimeout(
      this.c().getSizes(),
      timeoutMs,
      `${this.address} did not answer the probe`,
    );
    return { users: sizes.users, records: sizes.records, recordsCapacity: sizes.recordsCapacity };
  }

  async readLog(options: { lock: boolean }): Promise<AttendanceLogEntry[]> {
    const log = await this.c().getAttendanceLog({ lockDevice: options.lock });
    if (log.unreadable.length > 0) {
      this.shared.log.warn(
        { device: this.deviceId, unreadable: log.unreadable.slice(0, 10) },
        `${log.unreadable.length} log records could not be read; they go to the place's audit log`,
      );
    }
    return attendanceLogEntries(log);
  }

  getTime(): Promise<WallClock> {
    return this.c().getTime();
  }

  setTime(time: WallClock): Promise<void> {
    return this.c().setTime(time);
  }

  getUsers(): Promise<ZkUser[]> {
    return this.c().getUsers();
  }

  setUser(user: ZkUser): Promise<void> {
    return this.c().setUser(user);
  }

  deleteUser(uid: number): Promise<void> {
    return this.c().deleteUser(uid);
  }

  clearLog(): Promise<void> {
    return this.c().clearAttendance();
  }

  async withDisabled<T>(work: () => Promise<T>): Promise<T> {
    const client = this.c();
    const run = (async () => {
      await client.disableDevice();
      try {
        return await work();
      } finally {
        await this.enable(client);
      }
    })();
    this.bracket = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.bracket = undefined;
    }
  }

  startLive(): Promise<void> {
    return this.c().startLive();
  }

  onPunch(listener: (event: AttLogEvent) => void): () => void {
    this.punchListeners.add(listener);
    return () => this.punchListeners.delete(listener);
  }

  onClose(listener: (error?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown().finally(() => (this.closing = undefined));
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.bracket;
    const client = this.client;
    this.client = undefined;
    await client?.disconnect().catch(() => undefined);
    client?.removeAllListeners();
    this.release?.();
    this.release = undefined;
  }

  /** Enable after a bracket; a dropped session is reopened for it, and failing that the next connect does it. */
  private async enable(client: ZkClient): Promise<void> {
    try {
      if (!client.isConnected) await client.connect();
      await client.enableDevice();
    } catch (err) {
      this.shared.log.warn(
        { device: this.deviceId, err: (err as Error).message },
        "could not re-enable the device; will retry on the next session",
      );
    }
  }

  private get address(): string {
    return `${this.params.host}:${this.params.port}`;
  }

  private c(): ZkClient {
    if (!this.client) throw new Error(`no session with ${this.address}: connect first`);
    return this.client;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number | undefined, message: string): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ZkTimeoutError(message)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
