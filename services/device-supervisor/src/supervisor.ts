import type { GetSupervisorStatusResponse } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { DEFAULT_BACKOFF } from "./backoff.js";
import type { SupervisorConfig } from "./config.js";
import type { DeviceTuning } from "./device/device-settings.js";
import { SessionRegistry } from "./device/session-registry.js";
import { ZkDevicePort } from "./device/zk-device-port.js";
import { Limiter } from "./limiter.js";
import { startPlaceSupervisor, type PlaceSupervisor } from "./place-supervisor.js";

export interface Supervisor {
  places: readonly PlaceSupervisor[];
  /** Resolves once every place has sent its first assignment. */
  attached: Promise<void>;
  /** True while every place's Attach stream is open (what health reports). */
  allAttached(): boolean;
  /** Called whenever a place link changes. */
  onLinkChange(listener: () => void): void;
  /** What SupervisorService answers. */
  status(): GetSupervisorStatusResponse;
  stop(): Promise<void>;
}

export function tuningFrom(c: SupervisorConfig): DeviceTuning {
  return {
    probeIntervalMs: c.device.probeIntervalSeconds * 1000,
    probeTimeoutMs: c.device.probeTimeoutMs,
    defaultPullIntervalMs: c.device.pullIntervalSeconds * 1000,
    backoff: { initialMs: c.backoff.initialMs, maxMs: c.backoff.maxMs, jitter: c.backoff.jitter },
    failedRetryMs: c.backoff.failedRetrySeconds * 1000,
    startSpreadMs: c.device.startSpreadSeconds * 1000,
    batchSize: c.ingest.batchSize,
    lockDuringRead: c.device.lockDuringRead,
    maxQueuedCommands: c.device.maxQueuedCommands,
  };
}

/** The whole process: shared read slots and session registry, one PlaceSupervisor per place. */
export function startSupervisor(config: SupervisorConfig, log: Logger): Supervisor {
  const tuning = tuningFrom(config);
  const syncSlots = new Limiter(config.syncConcurrency);
  // One port config for all devices: their log lines name the device, no child logger each.
  const startedAt = new Date();
  const shared = { sessions: new SessionRegistry(), timeoutMs: config.device.timeoutMs, log };
  const places = config.places.map((address) =>
    startPlaceSupervisor({
      address,
      supervisorId: config.id,
      token: config.placeToken,
      deadlineMs: config.rpcDeadlineMs,
      ingestDeadlineMs: config.ingest.deadlineMs,
      live: config.live,
      statusCoalesceMs: config.statusCoalesceMs,
      tuning,
      syncSlots,
      attachBackoff: DEFAULT_BACKOFF,
      random: Math.random,
      log: log.child({ place: address }),
      createPort: (deviceId, params) => new ZkDevicePort(deviceId, params, shared),
    }),
  );
  return {
    places,
    attached: Promise.all(places.map((p) => p.attached)).then(() => undefined),
    allAttached: () => places.every((p) => p.link.phase === "attached"),
    onLinkChange: (listener) => places.forEach((p) => p.onLinkChange(listener)),
    status: () => ({ supervisorId: config.id, startedAt, places: places.map((p) => p.status()) }),
    stop: () => Promise.all(places.map((p) => p.stop(config.shutdownDeadlineMs))).then(() => undefined),
  };
}
