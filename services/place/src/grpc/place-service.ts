import type { KitCallContext } from "@biometricflow/grpc-kit";
import type { PlaceServiceImplementation } from "@biometricflow/proto";
import { auditLog } from "./audit-log.js";
import { deviceAdmin } from "./device-admin.js";
import type { PlaceDeps } from "./place-deps.js";
import { placeQueries } from "./place-queries.js";
import { userAdmin } from "./user-admin.js";
import { watchDevices } from "./watch-devices.js";
import { watchPunches } from "./watch-punches.js";

/** PlaceService: what dashboards, the aggregator and operators call. */
export function placeService(d: PlaceDeps): PlaceServiceImplementation<KitCallContext> {
  return {
    ...placeQueries(d),
    ...userAdmin(d),
    ...deviceAdmin(d),
    ...auditLog(d),
    watchPunches: watchPunches(d),
    watchDevices: watchDevices(d),
  };
}
