import type { ClickHouseDb } from "@biometricflow/clickhouse";
import type { Logger } from "@biometricflow/telemetry";
import { sleep } from "./ingest/backoff.js";

const EVERY_MS = 5_000;

/** grpc.health.v1 says SERVING only while ClickHouse answers (analytics cannot work without it). */
export async function runHealthMonitor(
  db: ClickHouseDb,
  setServing: (serving: boolean) => void,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let last: boolean | undefined;
  while (!signal.aborted) {
    const ok = await db.ping().catch(() => false);
    if (ok !== last) {
      if (ok) log.info("ClickHouse reachable: SERVING");
      else log.warn("ClickHouse unreachable: NOT_SERVING");
      setServing(ok);
      last = ok;
    }
    await sleep(EVERY_MS, signal).catch(() => undefined);
  }
}
