export { startAggregator, type RunningAggregator } from "./start-aggregator.js";
export { aggregatorConfigSchema, loadAggregatorCommand, type AggregatorConfig } from "./config.js";
export { rowsOfBlock } from "./analytics/timesheet-format.js";
