import { startGrpcServer } from "@biometricflow/grpc-kit";
import { PlaceServiceDefinition, SupervisorLinkServiceDefinition } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import type { PlaceConfig } from "./config.js";
import { PlaceReloader, type LiveConfig, type ReloadResult } from "./config-reload/place-reloader.js";
import { recordDevices } from "./devices/record-devices.js";
import { DeviceStatusBoard } from "./devices/device-status-board.js";
import { placeService } from "./grpc/place-service.js";
import { supervisorLinkService } from "./grpc/supervisor-link-service.js";
import { Journal } from "./journal/journal.js";
import { createBatchedIngest } from "./punches/batched-ingest.js";
import { createIngest, type Ingest } from "./punches/ingest.js";
import { PunchFeed } from "./punches/punch-feed.js";
import { CommandBus } from "./supervisors/command-bus.js";
import { SupervisorHub } from "./supervisors/supervisor-hub.js";
import { cachedZone } from "./time/zone-offsets.js";
import { DeviceOutbox } from "./users/device-outbox.js";

export interface RunningPlace {
  /** "host:port" of the gRPC server. */
  address: string;
  port: number;
  journal: Journal;
  /** The one ingest path, for in-process sources (an ADMS receiver, later). */
  ingest: Ingest;
  /** Apply a new configuration (devices, name, rules, clock) while running; see PlaceReloader. */
  reload(load: () => PlaceConfig, trigger: string): ReloadResult;
  /** NOT_SERVING, end streams, drain calls (up to graceMs), persist statuses, close the journal. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Open the journal and serve PlaceService + SupervisorLinkService; SERVING once it listens. */
export async function startPlace(config: PlaceConfig, log: Logger): Promise<RunningPlace> {
  const journal = Journal.open(config.journal.path, config.id);
  try {
    const live: LiveConfig = { current: config };
    journal.transaction(() => recordDevices(journal, config.devices, "config:start", Date.now()));
    const deviceIds = new Set(config.devices.map((d) => d.id));
    const feed = new PunchFeed(journal.punches.head());
    const board = new DeviceStatusBoard([...deviceIds], journal, log);
    const hub = new SupervisorHub({
      get config() {
        return live.current;
      },
      journal,
      board,
      log,
      onDetach: (s) => commands.failSession(s),
    });
    const commands = new CommandBus(hub, {
      quickMs: config.commands.timeoutSeconds * 1000,
      longMs: config.commands.longTimeoutSeconds * 1000,
    });
    const outbox = new DeviceOutbox({ journal, board, commands, log });
    let setServing = (_serving: boolean): void => undefined;
    const ingestDeps = {
      journal,
      feed,
      deviceIds,
      log,
      zone: cachedZone(config.timezone),
      onStorageHealth: (ok: boolean) => setServing(ok), // a journal that cannot write is not serving
    };
    const ingest = createIngest(ingestDeps);
    const linkIngest = createBatchedIngest(ingestDeps);
    const deps = {
      get config() {
        return live.current;
      },
      deviceIds,
      journal,
      feed,
      ingest,
      linkIngest,
      board,
      hub,
      commands,
      outbox,
      log,
    };
    const reloader = new PlaceReloader({ live, deviceIds, board, journal, hub, log });
    const { token } = config.supervisorLink;
    if (token === undefined) {
      log.warn(
        "SupervisorLinkService answers anyone who reaches this port, and it hands out devices' comm keys: " +
          "set supervisorLink.token (PLACE_SUPERVISOR_LINK__TOKEN) and the supervisors' placeToken",
      );
    }
    const server = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      log,
      auth: token
        ? {
            token,
            services: [SupervisorLinkServiceDefinition.fullName],
            hint: "the supervisor's placeToken (SUPERVISOR_PLACE_TOKEN) must be this place's supervisorLink.token",
          }
        : undefined,
      register(s) {
        s.add(PlaceServiceDefinition, placeService(deps));
        s.add(SupervisorLinkServiceDefinition, supervisorLinkService(deps));
      },
    });
    setServing = server.setServing;
    setServing(true);
    return {
      address: server.address,
      port: server.port,
      journal,
      ingest,
      reload: (load, trigger) => reloader.reload(load, trigger),
      async shutdown(graceMs) {
        outbox.close();
        commands.close();
        await server.shutdown(graceMs);
        board.flush();
        journal.close();
      },
    };
  } catch (err) {
    journal.close();
    throw err;
  }
}
