import { EventEmitter } from "node:events";
import {
  Command,
  commandName,
  decodeAttendanceLog,
  decodeAttLogEvent,
  decodeFreeSizes,
  decodeOptionValue,
  decodeUsers,
  decodeZkTime,
  describeUnreadable,
  detectUserRecordSize,
  encodeOptionRead,
  encodeUser,
  encodeZkTime,
  EventFlag,
  Fct,
  ZkError,
  ZkNetworkError,
  ZkProtocolError,
  ZkUnreadableRecordsError,
  type AttendanceRecord,
  type AttLogEvent,
  type DecodedAttendanceLog,
  type FreeSizes,
  type TextEncoding,
  type UserRecordSize,
  type WallClock,
  type ZkUser,
} from "../protocol/index.js";
import { BulkRead, type ProgressListener } from "./bulk-read.js";
import { ZkConnection } from "./connection.js";
import type { TransportKind } from "./transport.js";

export interface ZkClientOptions {
  host: string;
  port?: number;
  transport?: TransportKind;
  /** The device's comm key; 0 or undefined when it has none. */
  commKey?: number;
  /** Per request, and between packets of a long reply. */
  timeoutMs?: number;
  /** Code page of names and passwords. */
  encoding?: TextEncoding;
  /** READ_BUFFER retries of one chunk after a timeout or corrupt packet. */
  chunkRetries?: number;
  /** New sessions a bulk read may open after the connection drops, resuming where it stopped. */
  reconnects?: number;
}

export interface DeviceInfo {
  serialNumber: string;
  firmware: string;
  platform: string;
  deviceName: string;
  mac: string;
  users: number;
  records: number;
  fingers: number;
  usersCapacity: number;
  recordsCapacity: number;
  fingersCapacity: number;
  time: WallClock;
}

export interface AttendanceReadOptions {
  onProgress?: ProgressListener;
  /** Disable the keypad during the read so no punch lands between prepare and read (default true). */
  lockDevice?: boolean;
}

export interface ZkClientEvents {
  attendance: [AttLogEvent];
  /** An event this client cannot decode: code and payload, for diagnostics. */
  unknownEvent: [number, Buffer];
  /** Something went wrong that did not fail the operation (e.g. re-enabling the device). */
  warning: [string];
  /** The session ended; the error says why when it was not our doing. */
  close: [ZkError | undefined];
}

/**
 * High-level client for one device. Operations are serialised: one command in flight per
 * connection. Bulk reads return every record or throw ZkIncompleteReadError.
 */
export class ZkClient extends EventEmitter<ZkClientEvents> {
  private conn: ZkConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private liveMask = 0;
  private userRecordSize: UserRecordSize | undefined;
  private readonly o: Required<Omit<ZkClientOptions, "commKey">> & { commKey?: number };

  constructor(options: ZkClientOptions) {
    super();
    this.o = {
      port: 4370,
      transport: "tcp",
      timeoutMs: 5000,
      encoding: "utf8",
      chunkRetries: 3,
      reconnects: 2,
      ...options,
    };
  }

  get device(): string {
    return `${this.o.host}:${this.o.port}`;
  }

  get isConnected(): boolean {
    return this.conn?.isOpen ?? false;
  }

  connect(): Promise<void> {
    return this.serial(async () => {
      if (!this.conn?.isOpen) this.conn = await this.open();
    });
  }

  disconnect(): Promise<void> {
    return this.serial(async () => {
      const conn = this.conn;
      this.conn = undefined;
      this.liveMask = 0;
      await conn?.close();
    });
  }

  getSizes(): Promise<FreeSizes> {
    return this.serial(() => this.sizes());
  }

  getTime(): Promise<WallClock> {
    return this.serial(() => this.time());
  }

  setTime(time: WallClock): Promise<void> {
    return this.serial(async () => {
      const data = Buffer.alloc(4);
      data.writeUInt32LE(encodeZkTime(time));
      await this.c().exchange(Command.SET_TIME, data);
      await this.c().exchange(Command.REFRESHDATA);
    });
  }

  /** An option such as "~SerialNumber"; undefined when the device does not know it. */
  getOption(key: string): Promise<string | undefined> {
    return this.serial(() => this.option(key));
  }

  getInfo(): Promise<DeviceInfo> {
    return this.serial(async () => {
      const conn = this.c();
      const firmware = (await conn.exchange(Command.GET_VERSION)).data;
      const sizes = await this.sizes();
      const time = await this.time();
      return {
        serialNumber: (await this.option("~SerialNumber")) ?? "",
        firmware: firmware.toString("latin1").replace(/\0.*$/s, ""),
        platform: (await this.option("~Platform")) ?? "",
        deviceName: (await this.option("~DeviceName")) ?? "",
        mac: (await this.option("MAC")) ?? "",
        users: sizes.users,
        records: sizes.records,
        fingers: sizes.fingers,
        usersCapacity: sizes.usersCapacity,
        recordsCapacity: sizes.recordsCapacity,
        fingersCapacity: sizes.fingersCapacity,
        time,
      };
    });
  }

  getUsers(): Promise<ZkUser[]> {
    return this.serial(() => this.users());
  }

  /** Create or replace the user in slot `user.uid`. */
  setUser(user: ZkUser): Promise<void> {
    return this.serial(async () => {
      const size = this.userRecordSize ?? (await this.detectUserSize());
      await this.c().exchange(Command.USER_WRQ, encodeUser(user, size, this.o.encoding));
      await this.c().exchange(Command.REFRESHDATA);
    });
  }

  deleteUser(uid: number): Promise<void> {
    return this.serial(async () => {
      const data = Buffer.alloc(2);
      data.writeUInt16LE(uid);
      await this.c().exchange(Command.DELETE_USER, data);
      await this.c().exchange(Command.REFRESHDATA);
    });
  }

  /**
   * The whole log, every record or an error: a log holding a record that cannot be decoded is a
   * ZkUnreadableRecordsError that carries the whole decoded log (nothing is silently left out).
   */
  async getAttendance(options: AttendanceReadOptions = {}): Promise<AttendanceRecord[]> {
    const log = await this.getAttendanceLog(options);
    if (log.unreadable.length > 0) {
      throw new ZkUnreadableRecordsError(
        `malformed reply: ${describeUnreadable(log)}; getAttendanceLog returns the readable ones`,
        log,
        { device: this.device, command: commandName(Command.ATTLOG_RRQ) },
      );
    }
    return log.records;
  }

  /**
   * The whole log, going on past records that cannot be decoded (a corrupt time): the readable
   * records as getAttendance returns them, and each unreadable one with its position in the log,
   * its bytes and the reason.
   */
  getAttendanceLog(options: AttendanceReadOptions = {}): Promise<DecodedAttendanceLog> {
    return this.serial(async () => {
      const count = (await this.sizes()).records;
      if (count === 0) return { records: [], unreadable: [], recordSize: 0 };
      const records = await this.withDeviceLocked(options.lockDevice !== false, () =>
        this.bulkRead(Command.ATTLOG_RRQ, 0, options.onProgress),
      );
      const log = this.decode(Command.ATTLOG_RRQ, () => decodeAttendanceLog(records, count));
      if (log.recordSize === 8 && log.records.length > 0) await this.fillUserIds(log.records);
      return log;
    });
  }

  clearAttendance(): Promise<void> {
    return this.serial(async () => {
      await this.c().exchange(Command.CLEAR_ATTLOG);
      await this.c().exchange(Command.REFRESHDATA);
    });
  }

  enableDevice(): Promise<void> {
    return this.serial(async () => void (await this.c().exchange(Command.ENABLE_DEVICE)));
  }

  disableDevice(): Promise<void> {
    return this.serial(async () => void (await this.c().exchange(Command.DISABLE_DEVICE)));
  }

  /** Register for realtime punches; they arrive as "attendance" events until stopLive or close. */
  startLive(): Promise<void> {
    return this.serial(async () => {
      this.liveMask = EventFlag.ATTLOG;
      await this.registerEvents(this.c());
    });
  }

  stopLive(): Promise<void> {
    return this.serial(async () => {
      this.liveMask = 0;
      if (this.conn?.isOpen) await this.registerEvents(this.conn);
    });
  }

  // ---- internals: run inside serial() ----

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private c(): ZkConnection {
    if (!this.conn?.isOpen) {
      throw new ZkNetworkError("not connected: call connect() first, or the device closed the session", {
        device: this.device,
      });
    }
    return this.conn;
  }

  private async open(): Promise<ZkConnection> {
    // `let`, not `const`: a socket that closes during the handshake calls onClose before `open`
    // returns, and reading a `const` in its temporal dead zone would throw from the socket handler.
    let conn: ZkConnection | undefined = undefined;
    conn = await ZkConnection.open({
      host: this.o.host,
      port: this.o.port,
      transport: this.o.transport,
      commKey: this.o.commKey,
      timeoutMs: this.o.timeoutMs,
      onEvent: (code, data) => this.onEvent(code, data),
      onClose: (error) => {
        if (conn !== undefined && this.conn === conn) this.emit("close", error);
      },
    });
    return conn;
  }

  private async registerEvents(conn: ZkConnection): Promise<void> {
    const mask = Buffer.alloc(4);
    mask.writeUInt32LE(this.liveMask);
    await conn.exchange(Command.REG_EVENT, mask);
  }

  private onEvent(code: number, data: Buffer): void {
    if (code & EventFlag.ATTLOG) {
      let events: AttLogEvent[] = [];
      try {
        events = decodeAttLogEvent(data);
      } catch {
        events = [];
      }
      if (events.length === 0) this.emit("unknownEvent", code, Buffer.from(data));
      for (const e of events) this.emit("attendance", e);
    } else {
      this.emit("unknownEvent", code, Buffer.from(data));
    }
  }

  private async sizes(): Promise<FreeSizes> {
    const reply = await this.c().exchange(Command.GET_FREE_SIZES);
    return this.decode(Command.GET_FREE_SIZES, () => decodeFreeSizes(reply.data));
  }

  private async time(): Promise<WallClock> {
    const reply = await this.c().exchange(Command.GET_TIME);
    return this.decode(Command.GET_TIME, () => decodeZkTime(reply.data.readUInt32LE(0)));
  }

  /** Decode what the device answered to `command`: bytes it got wrong are its protocol error. */
  private decode<T>(command: number, decode: () => T): T {
    try {
      return decode();
    } catch (err) {
      throw new ZkProtocolError(`malformed reply: ${(err as Error).message}`, {
        device: this.device,
        command: commandName(command),
        cause: err,
      });
    }
  }

  private async option(key: string): Promise<string | undefined> {
    try {
      return decodeOptionValue((await this.c().exchange(Command.OPTIONS_RRQ, encodeOptionRead(key))).data);
    } catch (err) {
      if (err instanceof ZkError && err.kind === "device") return undefined; // unknown option
      throw err;
    }
  }

  private async users(): Promise<ZkUser[]> {
    const count = (await this.sizes()).users;
    if (count === 0) return [];
    const records = await this.bulkRead(Command.USERTEMP_RRQ, Fct.USER);
    const users = this.decode(Command.USERTEMP_RRQ, () => decodeUsers(records, count, this.o.encoding));
    if (users.length > 0) this.userRecordSize = detectUserRecordSize(records.length, users.length);
    return users;
  }

  /** pyzk's rule (§9.1): the record size comes from a real read; with no users, guess by transport. */
  private async detectUserSize(): Promise<UserRecordSize> {
    await this.users();
    return this.userRecordSize ?? (this.o.transport === "tcp" ? 72 : 28);
  }

  /** 8-byte records carry only the slot number: name them with the device's user list. */
  private async fillUserIds(records: AttendanceRecord[]): Promise<void> {
    const byUid = new Map((await this.users()).map((u) => [u.uid, u.userId]));
    for (const r of records) r.userId = byUid.get(r.uid) ?? r.userId;
  }

  /** A bulk read that survives dropped connections by resuming on a new session. */
  private async bulkRead(command: number, fct: number, onProgress?: ProgressListener): Promise<Buffer> {
    const read = new BulkRead(command, fct, { chunkRetries: this.o.chunkRetries, onProgress });
    for (let attempt = 0; ; attempt++) {
      try {
        return await read.run(this.c());
      } catch (err) {
        if (!(err instanceof ZkError)) throw err;
        if (err.kind !== "network" || attempt >= this.o.reconnects) throw read.incomplete(err);
        try {
          await this.reopen();
        } catch (reopenError) {
          throw read.incomplete(reopenError instanceof ZkError ? reopenError : err);
        }
      }
    }
  }

  private async reopen(): Promise<void> {
    this.conn?.close().catch(() => undefined);
    this.conn = await this.open();
    if (this.liveMask) await this.registerEvents(this.conn);
  }

  /** Disable the device around `work` and always enable it again, on a new session if need be. */
  private async withDeviceLocked<T>(lock: boolean, work: () => Promise<T>): Promise<T> {
    if (!lock) return work();
    await this.c().exchange(Command.DISABLE_DEVICE);
    try {
      return await work();
    } finally {
      await this.enableAfterLock();
    }
  }

  private async enableAfterLock(): Promise<void> {
    try {
      if (this.conn?.isOpen) {
        try {
          await this.conn.exchange(Command.ENABLE_DEVICE);
          return;
        } catch (err) {
          // A session that stalled or broke mid-read cannot carry the enable: use a fresh one.
          if (!(err instanceof ZkError) || (err.kind !== "timeout" && err.kind !== "network")) throw err;
        }
      }
      await this.reopen();
      await this.c().exchange(Command.ENABLE_DEVICE);
    } catch (err) {
      // The records already read are kept; the caller learns the device may still be disabled.
      this.emit("warning", `could not re-enable ${this.device} after the read: ${(err as Error).message}`);
    }
  }
}
