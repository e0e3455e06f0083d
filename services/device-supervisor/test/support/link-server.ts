import { EventEmitter } from "node:events";
import {
  SupervisorLinkServiceDefinition,
  type AttachResponse,
  type CapturedPunch,
  type CompleteCommandRequest,
  type DeviceAssignment,
  type DeviceCommand,
  type DeviceCursor,
  type DevicePunches,
  type DeviceStatus,
  type RecordAuditRequest,
  type SupervisorLinkServiceImplementation,
} from "@biometricflow/proto";
import { createServer, ServerError, Status, type Server } from "nice-grpc";
import { dedupKey } from "./fake-link.js";

export interface StoredPunch extends CapturedPunch {
  deviceId: string;
  key: string;
}

/**
 * A real SupervisorLinkService on port 0 whose storage is a few maps: punches deduplicated by
 * key, cursors, statuses, audits, command answers. Every change emits "change", so tests wait
 * for conditions instead of sleeping.
 */
export class LinkServer extends EventEmitter {
  readonly punches = new Map<string, StoredPunch>();
  /** How many times each key arrived (duplicates included). */
  readonly receipts = new Map<string, number>();
  readonly cursors = new Map<string, DeviceCursor>();
  readonly statuses = new Map<string, DeviceStatus[]>();
  readonly audits: RecordAuditRequest[] = [];
  readonly completed: CompleteCommandRequest[] = [];
  attaches = 0;
  /** IngestPunchBatch calls answered. */
  batches = 0;
  /** IngestPunches fails with UNAVAILABLE while set. */
  down = false;
  private assignment: DeviceAssignment;
  private readonly streams = new Set<(m: AttachResponse) => void>();
  private server: Server | undefined;
  port = 0;

  constructor(assignment: DeviceAssignment) {
    super();
    this.setMaxListeners(100);
    this.assignment = assignment;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer();
    this.server.add(SupervisorLinkServiceDefinition, this.impl());
    this.port = await this.server.listen("127.0.0.1:0");
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.shutdown();
  }

  /** The place vanishes: every call, Attach streams included, is cut at once. */
  kill(): void {
    this.server?.forceShutdown();
  }

  /** Replace the device list; attached supervisors get it at once. */
  assign(assignment: DeviceAssignment): void {
    this.assignment = assignment;
    for (const push of this.streams) push({ assignment });
  }

  command(command: DeviceCommand): void {
    for (const push of this.streams) push({ command });
  }

  states(deviceId: string): number[] {
    const out: number[] = [];
    for (const s of this.statuses.get(deviceId) ?? []) if (out.at(-1) !== s.state) out.push(s.state);
    return out;
  }

  lastStatus(deviceId: string): DeviceStatus | undefined {
    return this.statuses.get(deviceId)?.at(-1);
  }

  /** Resolves once `check` holds (checked now and after every change); fails after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        let ok = false;
        try {
          ok = check();
        } catch {
          ok = false;
        }
        if (!ok) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off("change", test);
      };
      this.on("change", test);
      test();
    });
  }

  private store(r: Omit<DevicePunches, "supervisorId">): number {
    let stored = 0;
    for (const p of r.punches) {
      const key = dedupKey(r.deviceSerial, p);
      this.receipts.set(key, (this.receipts.get(key) ?? 0) + 1);
      if (this.punches.has(key)) continue;
      this.punches.set(key, { ...p, deviceId: r.deviceId, key });
      stored++;
    }
    if (r.cursor) this.cursors.set(r.deviceId, r.cursor);
    return stored;
  }

  private changed(): void {
    this.emit("change");
  }

  private impl(): SupervisorLinkServiceImplementation {
    return {
      attach: (_request, context) => this.attachStream(context.signal),
      ingestPunches: async (r) => {
        if (this.down) throw new ServerError(Status.UNAVAILABLE, "journal unavailable");
        const stored = this.store(r);
        this.changed();
        return { stored, duplicates: r.punches.length - stored, headOffset: this.punches.size };
      },
      ingestPunchBatch: async (r) => {
        if (this.down) throw new ServerError(Status.UNAVAILABLE, "journal unavailable");
        this.batches++;
        const results = r.devices.map((g) => {
          const stored = this.store(g);
          return { stored, duplicates: g.punches.length - stored, error: "" };
        });
        this.changed();
        return { results, headOffset: this.punches.size };
      },
      reportDeviceStatus: async (r) => {
        if (r.status)
          this.statuses.set(r.status.deviceId, [...(this.statuses.get(r.status.deviceId) ?? []), r.status]);
        this.changed();
        return {};
      },
      completeCommand: async (r) => {
        this.completed.push(r);
        this.changed();
        return {};
      },
      recordAudit: async (r) => {
        this.audits.push(r);
        this.changed();
        return {};
      },
    };
  }

  private async *attachStream(signal: AbortSignal): AsyncGenerator<AttachResponse> {
    const queue: AttachResponse[] = [{ assignment: this.assignment }];
    let wake: (() => void) | undefined;
    const push = (m: AttachResponse): void => {
      queue.push(m);
      wake?.();
    };
    this.streams.add(push);
    this.attaches++;
    this.changed();
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      }
    } finally {
      this.streams.delete(push);
    }
  }
}
