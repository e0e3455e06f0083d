import { AnalyticsServiceDefinition } from "@biometricflow/proto";
import { exportTimesheetsColumnsType } from "./timesheet-block-wire.js";

/**
 * AnalyticsService as served: the same as the generated definition, except that ExportTimesheets
 * responses are built as typed columns and encoded by timesheet-block-wire.ts (the same bytes;
 * a month of a large place is millions of numbers).
 */
export const analyticsDefinition = {
  ...AnalyticsServiceDefinition,
  methods: {
    ...AnalyticsServiceDefinition.methods,
    exportTimesheets: {
      ...AnalyticsServiceDefinition.methods.exportTimesheets,
      responseType: exportTimesheetsColumnsType,
    },
  },
} as const;
