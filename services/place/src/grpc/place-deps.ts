import type { Logger } from "@biometricflow/telemetry";
import type { PlaceConfig } from "../config.js";
import type { DeviceStatusBoard } from "../devices/device-status-board.js";
import type { Journal } from "../journal/journal.js";
import type { BatchedIngest } from "../punches/batched-ingest.js";
import type { Ingest } from "../punches/ingest.js";
import type { PunchFeed } from "../punches/punch-feed.js";
import type { CommandBus } from "../supervisors/command-bus.js";
import type { SupervisorHub } from "../supervisors/supervisor-hub.js";
import type { DeviceOutbox } from "../users/device-outbox.js";

/** What the gRPC services of a place work with. */
export interface PlaceDeps {
  config: PlaceConfig;
  deviceIds: ReadonlySet<string>;
  journal: Journal;
  feed: PunchFeed;
  ingest: Ingest;
  /** What supervisors call: concurrent calls committed as one transaction. */
  linkIngest: BatchedIngest;
  board: DeviceStatusBoard;
  hub: SupervisorHub;
  commands: CommandBus;
  outbox: DeviceOutbox;
  log: Logger;
}
