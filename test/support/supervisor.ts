import path from "node:path";
import { ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "./paths.js";

export interface SupervisorOptions {
  id?: string;
  dir: string;
  /** gRPC addresses of the places. */
  places: string[];
  /** Extra SUPERVISOR_* variables (they win over the test defaults below). */
  env?: Record<string, string>;
  logLevel?: string;
  readyTimeoutMs?: number;
}

/**
 * bf-supervisor tuned for tests: every device connects at once, probes and backoff are short so a
 * fault is noticed and recovered from in seconds rather than minutes.
 */
export function supervisorProcess(o: SupervisorOptions): ServiceProcess {
  return new ServiceProcess({
    name: "device-supervisor",
    script: path.join(repoRoot, "services/device-supervisor/bin/bf-supervisor.js"),
    env: {
      LOG_LEVEL: o.logLevel ?? process.env.E2E_LOG_LEVEL ?? "warn",
      SUPERVISOR_ID: o.id ?? "e2e-sup",
      SUPERVISOR_PLACES: o.places.join(","),
      SUPERVISOR_GRPC__HOST: "127.0.0.1",
      SUPERVISOR_DEVICE__START_SPREAD_SECONDS: "0",
      SUPERVISOR_DEVICE__PULL_INTERVAL_SECONDS: "5",
      SUPERVISOR_DEVICE__PROBE_INTERVAL_SECONDS: "2",
      SUPERVISOR_DEVICE__PROBE_TIMEOUT_MS: "1500",
      SUPERVISOR_DEVICE__TIMEOUT_MS: "2000",
      SUPERVISOR_BACKOFF__INITIAL_MS: "200",
      SUPERVISOR_BACKOFF__MAX_MS: "2000",
      SUPERVISOR_BACKOFF__FAILED_RETRY_SECONDS: "5",
      SUPERVISOR_STATUS_COALESCE_MS: "100",
      ...o.env,
    },
    logFile: path.join(o.dir, `supervisor-${o.id ?? "e2e-sup"}.log`),
    readyTimeoutMs: o.readyTimeoutMs ?? 60_000,
  });
}
