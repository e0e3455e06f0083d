import path from "node:path";
import { createChannelClient, type ChannelClient } from "@biometricflow/grpc-kit";
import { AnalyticsServiceDefinition, type PlaceIngest } from "@biometricflow/proto";
import { ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "./paths.js";

export interface AggregatorOptions {
  dir: string;
  clickhouseUrl: string;
  places: { id: string; grpc: string }[];
  /** Extra AGGREGATOR_* variables (they win over the test defaults below). */
  env?: Record<string, string>;
  logLevel?: string;
}

/**
 * bf-aggregator as a real process, tuned for tests: small batches, so a backlog takes many
 * insert-then-commit steps and a crash lands between them; short retries, so it resumes within a
 * second of ClickHouse coming back. Its gRPC port is picked anew at each start.
 */
export class AggregatorProcess {
  readonly process: ServiceProcess;
  private api: ChannelClient<typeof AnalyticsServiceDefinition> | undefined;
  private address = "";

  constructor(o: AggregatorOptions) {
    this.process = new ServiceProcess({
      name: "aggregator",
      script: path.join(repoRoot, "services/aggregator/bin/bf-aggregator.js"),
      env: {
        LOG_LEVEL: o.logLevel ?? process.env.E2E_LOG_LEVEL ?? "warn",
        // Named explicitly: a CLICKHOUSE_URL in the environment must not redirect it.
        AGGREGATOR_CLICKHOUSE__URL: o.clickhouseUrl,
        AGGREGATOR_CLICKHOUSE__DATABASE: "biometricflow",
        AGGREGATOR_PLACES: JSON.stringify(o.places),
        AGGREGATOR_GRPC__HOST: "127.0.0.1",
        AGGREGATOR_GRPC__PORT: "0",
        AGGREGATOR_INGEST__BATCH_SIZE: "500",
        AGGREGATOR_INGEST__STREAM_BATCH: "100",
        AGGREGATOR_INGEST__FLUSH_MS: "50",
        AGGREGATOR_INGEST__RETRY_INITIAL_MS: "100",
        AGGREGATOR_INGEST__RETRY_MAX_MS: "1000",
        ...o.env,
      },
      logFile: path.join(o.dir, "aggregator.log"),
    });
  }

  async start(): Promise<void> {
    this.api?.close();
    this.api = undefined;
    const ready = (await this.process.start()) as { aggregator: string };
    this.address = ready.aggregator;
  }

  /** Per place: connected, committed/received/head offsets and the last problem. */
  async ingestStatus(): Promise<PlaceIngest[]> {
    this.api ??= createChannelClient(AnalyticsServiceDefinition, this.address, { deadlineMs: 5_000 });
    return (await this.api.client.getIngestStatus({})).places;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.api?.close();
    this.api = undefined;
    await this.process.stop(signal);
  }
}
