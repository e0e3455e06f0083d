import { createChannelClient, type ChannelClient } from "@biometricflow/grpc-kit";
import {
  SupervisorLinkServiceDefinition,
  type AttachResponse,
  type CompleteCommandRequest,
  type DeviceStatus,
  type IngestPunchesRequest,
  type IngestPunchesResponse,
  type RecordAuditRequest,
} from "@biometricflow/proto";
import type { DeviceLog } from "../machines/device-context.js";
import type { DeviceLink } from "./device-link.js";
import { StatusReporter } from "./status-reporter.js";

export interface PlaceLinkOptions {
  address: string;
  supervisorId: string;
  /** Deadline of every unary call but IngestPunches. */
  deadlineMs: number;
  /** Deadline of one IngestPunches call (a batch of thousands of punches, committed durably). */
  ingestDeadlineMs: number;
  statusCoalesceMs: number;
  log: DeviceLog;
}

/** The supervisor's side of SupervisorLinkService for one place. */
export class PlaceLink implements DeviceLink {
  readonly supervisorId: string;
  private readonly channel: ChannelClient<typeof SupervisorLinkServiceDefinition>;
  private readonly reporter: StatusReporter;

  constructor(private readonly o: PlaceLinkOptions) {
    this.supervisorId = o.supervisorId;
    this.channel = createChannelClient(SupervisorLinkServiceDefinition, o.address, {
      deadlineMs: o.deadlineMs,
      // The Attach stream is idle for long stretches: pings notice a place that vanished.
      channelOptions: { "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_timeout_ms": 10_000 },
    });
    this.reporter = new StatusReporter((status) => this.channel.client.reportDeviceStatus({ status }), {
      coalesceMs: o.statusCoalesceMs,
      concurrency: 32,
      retryMs: 5_000,
      log: o.log,
    });
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
