import { createChannelClient, type ChannelClient } from "@biometricflow/grpc-kit";
import {
  SupervisorLinkServiceDefinition,
  type AttachResponse,
  type CompleteCommandRequest,
  type DevicePunches,
  type DeviceStatus,
  type IngestPunchesRequest,
  type IngestPunchesResponse,
  type RecordAuditRequest,
} from "@biometricflow/proto";
import type { DeviceLog } from "../machines/device-context.js";
import { Batcher, type BatcherOptions } from "./batcher.js";
import type { DeviceLink } from "./device-link.js";
import { StatusReporter } from "./status-reporter.js";

export interface PlaceLinkOptions {
  address: string;
  supervisorId: string;
  /** Deadline of every unary call but IngestPunches. */
  deadlineMs: number;
  /** The place's supervisorLink.token, when it has one. */
  token?: string;
  /** Deadline of one IngestPunches call (a batch of thousands of punches, committed durably). */
  ingestDeadlineMs: number;
  statusCoalesceMs: number;
  /** Realtime punches: how they are coalesced, and the deadline of one such call. */
  live: BatcherOptions & { deadlineMs: number };
  log: DeviceLog;
}

/** The supervisor's side of SupervisorLinkService for one place. */
export class PlaceLink implements DeviceLink {
  readonly supervisorId: string;
  private readonly channel: ChannelClient<typeof SupervisorLinkServiceDefinition>;
  private readonly reporter: StatusReporter;
  private readonly live: Batcher<DevicePunches, void>;

  constructor(private readonly o: PlaceLinkOptions) {
    this.supervisorId = o.supervisorId;
    this.channel = createChannelClient(SupervisorLinkServiceDefinition, o.address, {
      deadlineMs: o.deadlineMs,
      token: o.token,
      // The Attach stream is idle for long stretches: pings notice a place that vanished.
      channelOptions: { "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_timeout_ms": 10_000 },
    });
    this.reporter = new StatusReporter((status) => this.channel.client.reportDeviceStatus({ status }), {
      coalesceMs: o.statusCoalesceMs,
      concurrency: 32,
      retryMs: 5_000,
      log: o.log,
    });
    this.live = new Batcher((groups) => this.sendLive(groups), o.live);
  }

  get address(): string {
    return this.o.address;
  }

  /** The assignment and commands, until the stream ends or `signal` aborts it. */
  attach(signal: AbortSignal): AsyncIterable<AttachResponse> {
    return this.channel.client.attach({ supervisorId: this.supervisorId }, { signal });
  }

  ingest(request: Omit<IngestPunchesRequest, "supervisorId">): Promise<IngestPunchesResponse> {
    return this.channel.client.ingestPunches(
      { ...request, supervisorId: this.supervisorId },
      { deadline: this.o.ingestDeadlineMs },
    );
  }

  ingestLive(group: DevicePunches): Promise<void> {
    return this.live.add(group);
  }

  /**
   * One IngestPunchBatch for a batch of groups. Its deadline is short: while the place is away,
   * a live punch should fail soon (the pull catches up later), not hold memory for a minute.
   */
  private async sendLive(groups: DevicePunches[]): Promise<(void | Error)[]> {
    const answer = await this.channel.client.ingestPunchBatch(
      { supervisorId: this.supervisorId, devices: groups },
      { deadline: this.o.live.deadlineMs },
    );
    return groups.map((_, i) => {
      const r = answer.results[i];
      if (!r) return new Error("the place answered fewer groups than were sent");
      return r.error === "" ? undefined : new Error(r.error);
    });
  }

  async audit(request: RecordAuditRequest): Promise<void> {
    await this.channel.client.recordAudit(request);
  }

  async completeCommand(request: CompleteCommandRequest): Promise<void> {
    await this.channel.client.completeCommand(request);
  }

  reportStatus(status: DeviceStatus): void {
    this.reporter.report(status);
  }

  /** Deliver pending status reports (bounded), then close the channel. */
  async close(deadlineMs: number): Promise<void> {
    await this.reporter.drain(deadlineMs);
    this.channel.close();
  }
}
