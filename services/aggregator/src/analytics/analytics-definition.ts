import { AnalyticsServiceDefinition } from "@biometricflow/proto";

/**
 * AnalyticsService as served. nice-grpc passes every response through the type's fromPartial
 * before encoding it, which copies each column of an ExportTimesheets block element by element
 * (hundreds of thousands of numbers a month of a large place); without fromPartial it encodes
 * the message as given. The handler builds complete messages (the types require every field),
 * so the copy has nothing to fill in.
 */
export const analyticsDefinition = {
  ...AnalyticsServiceDefinition,
  methods: {
    ...AnalyticsServiceDefinition.methods,
    exportTimesheets: {
      ...AnalyticsServiceDefinition.methods.exportTimesheets,
      responseType: {
        ...AnalyticsServiceDefinition.methods.exportTimesheets.responseType,
        fromPartial: undefined,
      },
    },
  },
} as const;
