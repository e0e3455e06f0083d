import { setMaxListeners } from "node:events";
import type { ClickHouseDb } from "@biometricflow/clickhouse";
import { createChannelClient, startGrpcServer } from "@biometricflow/grpc-kit";
import { PlaceServiceDefinition } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { analyticsDefinition } from "./analytics/analytics-definition.js";
import { analyticsService } from "./analytics/analytics-service.js";
import type { AggregatorConfig } from "./config.js";
import { runHealthMonitor } from "./health-monitor.js";
import { IngestStatusBoard } from "./ingest/ingest-status.js";
import { LiveHub } from "./ingest/live-hub.js";
import { PlaceFollower } from "./ingest/place-follower.js";
import { PunchInserts } from "./ingest/punch-inserts.js";
import { connectPlace, verifiedWatch } from "./ingest/verified-watch.js";
import { DeviceStateStore } from "./store/device-state-store.js";
import { PlaceStore } from "./store/place-store.js";
import { PunchStore } from "./store/punch-store.js";
import { RulesHistoryStore } from "./store/rules-history-store.js";
import { UserStore } from "./store/user-store.js";
import { runDeviceWatch } from "./sync/device-watch.js";
import { PlaceBook } from "./sync/place-book.js";
import { runPlaceSync } from "./sync/place-sync.js";

export interface RunningAggregator {
  /** "host:port" of AnalyticsService. */
  address: string;
  status: IngestStatusBoard;
  /** StreamPunches calls being served. */
  readonly liveSubscribers: number;
  /** Stop serving, stop following, store and commit what is buffered; resolves when done. */
  shutdown(): Promise<void>;
}

// Notice a place that vanished without closing the stream (power cut, partition). A 4 MiB HTTP/2
// window instead of 64 KiB: a columnar block of 1,000 punches is about 100 KiB, so with the default
// the place stalls mid-block until the aggregator's WINDOW_UPDATE comes back (a round trip per
// block, slow on a busy machine). Flow control still holds the place back while an insert runs.
const placeChannel = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc-node.flow_control_window": 4 * 1024 * 1024,
};

/** Followers for every place (ingest, rules/users, device states) and the analytics server. */
export async function startAggregator(
  config: AggregatorConfig,
  db: ClickHouseDb,
  log: Logger,
): Promise<RunningAggregator> {
  const punches = new PunchStore(db);
  const placeStore = new PlaceStore(db);
  const users = new UserStore(db);
  const rulesHistory = new RulesHistoryStore(db);
  const deviceStates = new DeviceStateStore(db);
  const book = new PlaceBook(config.places.map((p) => p.id));
  // The stored rules serve analytics until each place answers GetPlace.
  for (const place of await placeStore.loadAll()) book.set(place);
  const offsets = await punches.latestOffsets();
  const status = new IngestStatusBoard(config.places);
  const hub = new LiveHub(config.analytics.liveBuffer);
  const { ingest } = config;
  const retryPolicy = { retryInitialMs: ingest.retryInitialMs, retryMaxMs: ingest.retryMaxMs };

  const stop = new AbortController();
  // Every place's follower, sync and device watch waits on this one signal (several waits each
  // during an outage): not the listener leak Node's default limit of 10 warns about.
  setMaxListeners(0, stop.signal);
  const tasks: Promise<void>[] = [];
  // The punches of all places go into one open INSERT at a time (fewer, larger parts).
  const inserts = new PunchInserts(() => punches.openPunchInsert(), {
    maxRows: 4 * ingest.batchSize,
    maxAgeMs: ingest.flushMs,
    idleMs: Math.max(1, Math.ceil(ingest.flushMs / 10)),
  });
  const channels = config.places.map((target) => {
    const plog = log.child({ place: target.id });
    const { client, close } = createChannelClient(PlaceServiceDefinition, target.grpc, {
      channelOptions: placeChannel,
    });
    const follower = new PlaceFollower({
      placeId: target.id,
      connect: (signal) => connectPlace(client, { placeId: target.id, address: target.grpc }, signal),
      watch: (fromOffset, signal, journalId) =>
        verifiedWatch(client, { journalId, fromOffset, maxBatch: ingest.streamBatch }, signal),
      store: punches,
      inserts,
      hub,
      status,
      log: plog,
      options: { batchSize: ingest.batchSize, flushMs: ingest.flushMs, ...retryPolicy },
    });
    tasks.push(
      follower.run(
        offsets.get(target.id)?.offset ?? 0,
        stop.signal,
        ingest.shutdownFlushMs,
        offsets.get(target.id)?.journalId,
      ),
      runPlaceSync(
        {
          placeId: target.id,
          address: target.grpc,
          client,
          book,
          places: placeStore,
          rules: rulesHistory,
          users,
          status,
          log: plog,
          refreshMs: ingest.refreshSeconds * 1000,
          ...retryPolicy,
        },
        stop.signal,
      ),
      runDeviceWatch(
        { placeId: target.id, client, store: deviceStates, log: plog, ...retryPolicy },
        stop.signal,
      ),
    );
    return close;
  });

  const server = await startGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    log,
    register(s) {
      s.add(
        analyticsDefinition,
        analyticsService({ db, users, rulesHistory, book, hub, status, limits: config.analytics }),
      );
    },
  });
  tasks.push(runHealthMonitor(db, server.setServing, log, stop.signal));

  return {
    address: server.address,
    status,
    get liveSubscribers() {
      return hub.size;
    },
    async shutdown() {
      await server.shutdown();
      stop.abort();
      await Promise.allSettled(tasks);
      for (const close of channels) close();
    },
  };
}
