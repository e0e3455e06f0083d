// A real PlaceService over gRPC (nice-grpc, port 0) serving an in-memory journal: what the
// aggregator follows in tests. It can drop its streams, go down and come back on the same port,
// and misbehave (replay from the start on every connect).
import { createHash } from "node:crypto";
import {
  DeviceState,
  PlaceServiceDefinition,
  PunchSource,
  type DeviceStatus,
  type Place,
  type PlaceServiceImplementation,
  type Punch,
  type User,
} from "@biometricflow/proto";
import { createServer, ServerError, Status, type Server } from "nice-grpc";
import { punchBlockOf } from "./punch-blocks.js";

export interface FakePunch {
  user: string;
  device?: string;
  /** Wall clock "YYYY-MM-DDTHH:mm:ss". */
  local: string;
  state?: number;
  traceparent?: string;
}

const unimplemented = async (): Promise<never> => {
  throw new ServerError(Status.UNIMPLEMENTED, "not in the fake place");
};

function abortable(signal: AbortSignal, register: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException("aborted", "AbortError"));
    const onAbort = (): void => reject(new DOMException("aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    register(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

export class FakePlace {
  readonly journal: Punch[] = [];
  users: User[] = [];
  statuses: DeviceStatus[] = [];
  /** from_offset of every WatchPunches call, in order. */
  readonly watchFrom: number[] = [];
  /** Punches sent over WatchPunches (replays included). */
  sent = 0;
  /** Misbehave: ignore from_offset and send the whole journal on every connect. */
  replayFromStart = false;
  /** Answer WatchPunches with columnar as the place does; false: as a place that predates it. */
  columnar = true;
  private waiters: (() => void)[] = [];
  private streams = new Set<AbortController>();
  private server: Server | undefined;
  port = 0;

  constructor(
    readonly place: Place,
    /** Hours the place's zone is ahead of UTC (no DST in the zones tests use). */
    private readonly utcOffsetHours: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get head(): number {
    return this.journal.length;
  }

  append(punches: readonly FakePunch[]): Punch[] {
    const added = punches.map((f) => {
      const device = f.device ?? "gate-1";
      const state = f.state ?? 0;
      const punch: Punch = {
        placeId: this.place.id,
        deviceId: device,
        deviceSerial: `SN-${device}`,
        userId: f.user,
        localTime: f.local,
        punchedAt: new Date(Date.parse(`${f.local}Z`) - this.utcOffsetHours * 3_600_000),
        punchState: state,
        verifyMethod: 1,
        receivedAt: new Date(),
        dedupKey: createHash("sha256")
          .update(JSON.stringify([device, f.user, f.local, state]))
          .digest("hex")
          .slice(0, 32),
        offset: this.journal.length + 1,
        trace: f.traceparent ? { traceparent: f.traceparent, tracestate: "" } : undefined,
        source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
      };
      this.journal.push(punch);
      return punch;
    });
    this.wake();
    return added;
  }

  setStatuses(statuses: DeviceStatus[]): void {
    this.statuses = statuses;
    this.wake();
  }

  /** End every open stream with UNAVAILABLE (the link dropped); the server stays up. */
  dropStreams(): void {
    for (const s of this.streams) s.abort();
  }

  async start(port = this.port): Promise<void> {
    const server = createServer();
    server.add(PlaceServiceDefinition, this.implementation());
    this.port = await server.listen(`127.0.0.1:${port}`);
    this.server = server;
  }

  /** Down hard, as a crash: open streams fail at the client. */
  async stop(): Promise<void> {
    this.dropStreams();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private implementation(): PlaceServiceImplementation {
    return {
      getPlace: async () => ({ place: this.place, headOffset: this.head }),
      listUsers: async () => ({ users: this.users }),
      watchPunches: (req, ctx) =>
        this.watchPunches(req.fromOffset, req.maxBatch || 1000, req.columnar && this.columnar, ctx.signal),
      watchDevices: (_req, ctx) => this.watchDevices(ctx.signal),
      listDevices: unimplemented,
      upsertUser: unimplemented,
      deleteUser: unimplemented,
      listPunches: unimplemented,
      syncDeviceTime: unimplemented,
      triggerPull: unimplemented,
      clearDeviceLog: unimplemented,
      listAudit: unimplemented,
    };
  }

  private async *watchPunches(fromOffset: number, max: number, columnar: boolean, signal: AbortSignal) {
    this.watchFrom.push(fromOffset);
    const link = new AbortController();
    signal.addEventListener("abort", () => link.abort(), { once: true });
    this.streams.add(link);
    try {
      let last = this.replayFromStart ? 0 : fromOffset;
      while (true) {
        if (link.signal.aborted) throw new DOMException("aborted", "AbortError");
        const rows = this.journal.slice(last, last + max);
        if (rows.length === 0) {
          await abortable(link.signal, (wake) => this.waiters.push(wake));
          continue;
        }
        last = rows[rows.length - 1]!.offset;
        this.sent += rows.length;
        yield columnar
          ? { punches: [], headOffset: this.head, block: punchBlockOf(rows) }
          : { punches: rows, headOffset: this.head };
      }
    } catch (err) {
      if (link.signal.aborted && !signal.aborted) throw new ServerError(Status.UNAVAILABLE, "link dropped");
      throw err;
    } finally {
      this.streams.delete(link);
    }
  }

  private async *watchDevices(signal: AbortSignal) {
    let seen: DeviceStatus[] = [];
    while (true) {
      const fresh = this.statuses.filter((s) => !seen.includes(s));
      seen = this.statuses;
      for (const status of fresh) yield { status };
      await abortable(signal, (wake) => this.waiters.push(wake));
    }
  }
}

/** A place with the usual rules (08:00-17:00, 10 min grace, 4 h, Sat/Sun off, 60 min break). */
export function placeOf(
  id: string,
  rules: Partial<NonNullable<Place["rules"]>> = {},
  timezone = "Africa/Lagos",
): Place {
  return {
    id,
    name: `Place ${id}`,
    timezone,
    rules: {
      shiftStart: "08:00",
      shiftEnd: "17:00",
      graceMinutes: 10,
      minHoursPresent: 4,
      weekendDays: [0, 6],
      holidays: [],
      breakMinutes: 60,
      ...rules,
    },
  };
}

export function userOf(userId: string, name = userId): User {
  return {
    userId,
    name,
    privilege: 1,
    card: 0,
    disabled: false,
    updatedAt: new Date("2024-05-01T00:00:00Z"),
  };
}

export function statusOf(deviceId: string, state: DeviceState, since: string): DeviceStatus {
  return {
    deviceId,
    state,
    stateSince: new Date(since),
    detail: state === DeviceState.DEVICE_STATE_BACKING_OFF ? "connect ECONNREFUSED" : "",
    serialNumber: `SN-${deviceId}`,
    firmware: "Ver 6.60",
    recordsOnDevice: 0,
    recordsCapacity: 100_000,
    usersOnDevice: 0,
    clockDriftSeconds: 0,
    recordsIngested: 0,
    lastSyncAt: undefined,
    lastSeenAt: undefined,
    consecutiveFailures: 0,
    nextRetryAt: undefined,
  };
}

/** n distinct punches, one a minute from `start`, spread over `users` and two devices. */
export function manyPunches(n: number, start = "2024-05-06T06:00:00", users = 50): FakePunch[] {
  const base = Date.parse(`${start}Z`);
  return Array.from({ length: n }, (_, i) => ({
    user: `u${i % users}`,
    device: i % 2 ? "gate-2" : "gate-1",
    local: new Date(base + i * 60_000).toISOString().slice(0, 19),
  }));
}
