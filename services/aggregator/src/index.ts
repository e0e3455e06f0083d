export { startAggregator, type RunningAggregator } from "./start-aggregator.js";
export { aggregatorConfigSchema, loadAggregatorCommand, type AggregatorConfig } from "./config.js";
export { rowsOfBlock } from "./analytics/timesheet-format.js";
export { PlaceStore } from "./store/place-store.js";
export { PunchStore } from "./store/punch-store.js";
export { UserStore } from "./store/user-store.js";
