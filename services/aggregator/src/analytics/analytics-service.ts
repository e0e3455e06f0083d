import type { KitCallContext } from "@biometricflow/grpc-kit";
import type { ServiceImplementation } from "nice-grpc";
import type { analyticsDefinition } from "./analytics-definition.js";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { getAttendanceTrend, getDailySummary } from "./daily-summary.js";
import { getDeviceHealth } from "./device-health-query.js";
import { exportPunches } from "./export-punches.js";
import { getPunchHeatmap } from "./heatmap.js";
import { validPlaceIds } from "./requests.js";
import { exportTimesheets, getTimesheet } from "./timesheets.js";

/** AnalyticsService: each RPC in its own module; bad requests throw domain errors (grpc-kit maps them). */
export function analyticsService(
  d: AnalyticsDeps,
): ServiceImplementation<typeof analyticsDefinition, KitCallContext> {
  return {
    getDailySummary: (req) => getDailySummary(d, req),
    getTimesheet: (req) => getTimesheet(d, req),
    getAttendanceTrend: (req) => getAttendanceTrend(d, req),
    getPunchHeatmap: (req) => getPunchHeatmap(d, req),
    getDeviceHealth: (req) => getDeviceHealth(d, req),
    exportPunches: (req, ctx) => exportPunches(d, req, ctx.signal),
    exportTimesheets: (req) => exportTimesheets(d, req),
    async *streamPunches(req, ctx) {
      const places = validPlaceIds(req.placeIds, d.book);
      ctx.abortOnTerminate(); // a live feed never ends by itself: let shutdown end it
      yield* d.hub.subscribe(places.length === d.book.ids.length ? undefined : places, ctx.signal);
    },
    getIngestStatus: async () => ({ places: d.status.snapshot() }),
  };
}
