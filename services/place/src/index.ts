export { loadPlaceConfig, placeConfigSchema, type PlaceConfig, type DeviceConfig } from "./config.js";
export { startPlace, type RunningPlace } from "./start-place.js";
export { Journal } from "./journal/journal.js";
export { JournalError } from "./journal/journal-error.js";
export type { Ingest, IngestResult } from "./punches/ingest.js";
export { dedupKey } from "./punches/dedup-key.js";
export { parseWallClock, wallClockToUtcMs } from "./time/local-time.js";
export { cachedZone, type OffsetSource } from "./time/zone-offsets.js";
export { timezoneProblem } from "./time/timezone.js";
