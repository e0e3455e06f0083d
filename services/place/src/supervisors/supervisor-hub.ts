import { UnavailableError } from "@biometricflow/grpc-kit";
import type { AttachResponse, DeviceAssignment } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { AsyncQueue } from "../async-queue.js";
import type { DeviceConfig, PlaceConfig } from "../config.js";
import type { DeviceStatusBoard } from "../devices/device-status-board.js";
import { deviceToProto } from "../grpc/to-proto.js";
import type { Journal } from "../journal/journal.js";

/** One open Attach stream. */
export interface SupervisorSession {
  readonly supervisorId: string;
  readonly peer: string;
  /** What the Attach stream sends: assignments and commands, in order. */
  readonly queue: AsyncQueue<AttachResponse>;
  /** The devices this session runs now. */
  devices: ReadonlySet<string>;
}

export interface SupervisorHubOptions {
  config: Pick<PlaceConfig, "id" | "timezone" | "devices" | "clock">;
  journal: Journal;
  board: DeviceStatusBoard;
  log: Logger;
  /** Called after a session is gone (its commands can no longer be answered). */
  onDetach?: (session: SupervisorSession) => void;
}

/**
 * Which supervisor runs which device. A ZK device serves one TCP client at a time, so every
 * device has exactly one owner: the supervisor attached longest runs all of the place's devices;
 * any others wait on an empty assignment and take over when it detaches.
 */
export class SupervisorHub {
  private sessions: SupervisorSession[] = [];
  /** Sessions that were sent an assignment (a new one always gets one, even empty). */
  private readonly announced = new WeakSet<SupervisorSession>();

  constructor(private readonly o: SupervisorHubOptions) {}

  attach(supervisorId: string, peer: string): SupervisorSession {
    const previous = this.sessions.find((s) => s.supervisorId === supervisorId);
    if (previous) this.detach(previous, "replaced by a newer Attach from the same supervisor");
    const session: SupervisorSession = { supervisorId, peer, queue: new AsyncQueue(), devices: new Set() };
    this.sessions.push(session);
    this.o.log.info({ supervisorId, peer }, "supervisor attached");
    this.rebalance();
    return session;
  }

  detach(session: SupervisorSession, why: string): void {
    if (!this.sessions.includes(session)) return;
    this.sessions = this.sessions.filter((s) => s !== session);
    session.queue.close();
    this.o.log.info({ supervisorId: session.supervisorId, why }, "supervisor detached");
    this.o.onDetach?.(session);
    this.rebalance();
    if (this.sessions.length === 0 && session.devices.size > 0) {
      this.o.board.orphan(session.devices, `supervisor "${session.supervisorId}" detached; none attached`);
    }
  }

  /** The session running the device; UNAVAILABLE when none is attached. */
  ownerOf(deviceId: string): SupervisorSession {
    const owner = this.sessions.find((s) => s.devices.has(deviceId));
    if (!owner)
      throw new UnavailableError(`no supervisor is attached for device "${deviceId}"; try again later`);
    return owner;
  }

  get attached(): readonly SupervisorSession[] {
    return this.sessions;
  }

  /** The device list or its settings changed: every attached supervisor gets its new assignment. */
  reassign(): void {
    this.rebalance(true);
  }

  private rebalance(force = false): void {
    const all = this.o.config.devices.map((d) => d.id);
    this.sessions.forEach((session, i) => {
      const want = i === 0 ? all : [];
      const same = want.length === session.devices.size && want.every((id) => session.devices.has(id));
      if (same && this.announced.has(session) && !(force && i === 0)) return;
      this.announced.add(session);
      session.devices = new Set(want);
      session.queue.push({
        assignment: this.assignment(this.o.config.devices.filter((d) => session.devices.has(d.id))),
      });
    });
  }

  /**
   * The assignment for these devices, each with the cursor the journal holds now and when its
   * clock was last corrected.
   */
  private assignment(devices: DeviceConfig[]): DeviceAssignment {
    const { clock } = this.o.config;
    const corrected = this.o.journal.audit.latestOf("device.clock.correct");
    return {
      placeId: this.o.config.id,
      timezone: this.o.config.timezone,
      devices: devices.map((d) => ({
        device: deviceToProto(d),
        commKey: d.commKey,
        cursor: this.o.journal.devices.cursor(d.id),
        clock,
        lastClockCorrectionMs: corrected.get(d.id) ?? 0,
      })),
    };
  }
}
