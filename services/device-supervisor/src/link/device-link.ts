import type {
  CompleteCommandRequest,
  DevicePunches,
  DeviceStatus,
  IngestPunchesRequest,
  IngestPunchesResponse,
  RecordAuditRequest,
} from "@biometricflow/proto";

/** What a device actor says to its place. Implemented over gRPC (place-link.ts) or in memory in tests. */
export interface DeviceLink {
  readonly supervisorId: string;
  /** Answered after the place committed the punches and the cursor. */
  ingest(request: Omit<IngestPunchesRequest, "supervisorId">): Promise<IngestPunchesResponse>;
  /**
   * Realtime punches (or a cursor alone), coalesced with those of the place's other devices into
   * one call; resolves once the place stored them durably. Fails fast when too many wait or the
   * place does not answer: the device log stays the truth and the next pull reads it.
   */
  ingestLive(group: DevicePunches): Promise<void>;
  audit(request: RecordAuditRequest): Promise<void>;
  completeCommand(request: CompleteCommandRequest): Promise<void>;
  /** Fire and forget: the latest status per device is delivered, bursts coalesced. */
  reportStatus(status: DeviceStatus): void;
}
