export { startSupervisor, tuningFrom, type Supervisor } from "./supervisor.js";
export {
  startPlaceSupervisor,
  type PlaceSupervisor,
  type PlaceSupervisorOptions,
} from "./place-supervisor.js";
export { loadSupervisorConfig, supervisorConfigSchema, type SupervisorConfig } from "./config.js";
export { deviceMachine } from "./machines/device-machine.js";
export { supervisorMachine, type SupervisorDeps } from "./machines/supervisor-machine.js";
export type { DeviceInput, DeviceContext, DeviceEvent, DeviceLog } from "./machines/device-context.js";
export type { DevicePort, DeviceParams, DeviceCounts, DeviceIdentity } from "./device/device-port.js";
export type { DeviceTuning, DeviceSettings } from "./device/device-settings.js";
export { ZkDevicePort } from "./device/zk-device-port.js";
export type { DeviceLink } from "./link/device-link.js";
