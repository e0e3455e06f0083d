// The ZK device simulator: a faithful terminal for tests, demos and benchmarks.
export { DeviceState } from "./device-state.js";
export { PROFILE_FORMATS, defaultOptions } from "./profiles.js";
export type {
  CorruptRecordInput,
  DeviceChange,
  DeviceData,
  DeviceListener,
  DeviceStateOptions,
  PlantedRecord,
  PunchInput,
} from "./device-state.js";
export type { Capacities, FirmwareProfile, ProfileFormat } from "./profiles.js";
export { AttendanceLog } from "./attendance-log.js";
export { createSession, handleRequest, attLogEvent } from "./session.js";
export type { Outcome, SessionOptions, SessionState } from "./session.js";
export { DIRECT_DATA_LIMIT, bulkReadStart, readBufferStream } from "./bulk-read.js";
export type { Transport } from "./bulk-read.js";
export { DeviceServer } from "./device-server.js";
export type { DeviceServerOptions } from "./device-server.js";
export { FAULT_KINDS, FaultCounters, formatFaultPlan, parseFaultSpec } from "./faults.js";
export type { FaultPlan } from "./faults.js";
export {
  ARRIVAL_WINDOW,
  DEPARTURE_WINDOW,
  NIGHT_ARRIVAL_WINDOW,
  PunchState,
  VerifyMethod,
  deviceIdentity,
  generateDeviceData,
  generatePeople,
  livePunchKeys,
} from "./data-generator.js";
export type { GenerateOptions, GeneratedData, PeopleOptions, Person } from "./data-generator.js";
export { StateStore } from "./state-store.js";
export type { StoredMeta } from "./state-store.js";
export { Fleet, startDevice, startFleet } from "./fleet.js";
export type { DeviceAddress, FleetOptions, StartDeviceOptions } from "./fleet.js";
export { startLivePunches } from "./live-punches.js";
export { startControlServer } from "./control-server.js";
export type { ControlServer, ControlServerOptions } from "./control-server.js";
export { Rng, mixSeed, mulberry32 } from "./rng.js";
export { silentLogger } from "./logger.js";
export type { SimLogger } from "./logger.js";
