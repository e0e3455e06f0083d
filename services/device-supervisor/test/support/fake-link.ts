import {
  PunchSource,
  type CapturedPunch,
  type CompleteCommandRequest,
  type DevicePunches,
  type DeviceStatus,
  type IngestPunchesRequest,
  type IngestPunchesResponse,
  type RecordAuditRequest,
} from "@biometricflow/proto";
import type { DeviceLink } from "../../src/link/device-link.js";
import type { Cursor } from "../../src/sync/cursor.js";

/** The identity a place gives a punch (device serial, badge, wall-clock time, state). */
export function dedupKey(
  serial: string,
  p: Pick<CapturedPunch, "userId" | "localTime" | "punchState">,
): string {
  return `${serial}|${p.userId}|${p.localTime}|${p.punchState}`;
}

/** An in-memory place for machine tests: idempotent punch store, cursors, statuses, audits. */
export class FakeLink implements DeviceLink {
  readonly supervisorId = "sup-test";
  readonly punches = new Map<string, CapturedPunch>();
  readonly ingests: Omit<IngestPunchesRequest, "supervisorId">[] = [];
  readonly cursors = new Map<string, Cursor>();
  readonly statuses: DeviceStatus[] = [];
  readonly audits: RecordAuditRequest[] = [];
  readonly completed: CompleteCommandRequest[] = [];
  /** Ingest fails (the place is down) while set. */
  down = false;
  /** After this many more successful ingests, the place goes down. */
  downAfter: number | undefined;

  async ingest(r: Omit<IngestPunchesRequest, "supervisorId">): Promise<IngestPunchesResponse> {
    if (this.downAfter !== undefined && this.downAfter-- <= 0) this.down = true;
    if (this.down) throw new Error("place unavailable");
    this.ingests.push(r);
    let stored = 0;
    for (const p of r.punches) {
      const key = dedupKey(r.deviceSerial, p);
      if (!this.punches.has(key)) {
        this.punches.set(key, p);
        stored++;
      }
    }
    if (r.cursor) this.cursors.set(r.deviceId, r.cursor);
    return { stored, duplicates: r.punches.length - stored, headOffset: this.punches.size };
  }

  /** Live groups stored, in arrival order (not in `ingests`, which are the pulls). */
  readonly live: DevicePunches[] = [];

  async ingestLive(g: DevicePunches): Promise<void> {
    if (this.down) throw new Error("place unavailable");
    this.live.push(g);
    for (const p of g.punches) {
      const key = dedupKey(g.deviceSerial, p);
      if (!this.punches.has(key)) this.punches.set(key, p);
    }
    if (g.cursor) this.cursors.set(g.deviceId, g.cursor);
  }

  async audit(r: RecordAuditRequest): Promise<void> {
    if (this.down) throw new Error("place unavailable");
    this.audits.push(r);
  }

  async completeCommand(r: CompleteCommandRequest): Promise<void> {
    this.completed.push(r);
  }

  reportStatus(status: DeviceStatus): void {
    this.statuses.push(status);
  }

  /** Reported states of a device, consecutive repeats collapsed. */
  states(deviceId: string): number[] {
    const out: number[] = [];
    for (const s of this.statuses) if (s.deviceId === deviceId && out.at(-1) !== s.state) out.push(s.state);
    return out;
  }

  lastStatus(deviceId: string): DeviceStatus | undefined {
    return this.statuses.filter((s) => s.deviceId === deviceId).at(-1);
  }

  liveCount(): number {
    return [...this.punches.values()].filter((p) => p.source === PunchSource.PUNCH_SOURCE_DEVICE_LIVE).length;
  }
}
