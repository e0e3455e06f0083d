import type {
  CompleteCommandRequest,
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
  audit(request: RecordAuditRequest): Promise<void>;
  completeCommand(request: CompleteCommandRequest): Promise<void>;
  /** Fire and forget: the latest status per device is delivered, bursts coalesced. */
  reportStatus(status: DeviceStatus): void;
}
