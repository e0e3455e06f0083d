export {
  ZkClient,
  type ZkClientOptions,
  type DeviceInfo,
  type AttendanceReadOptions,
  type ZkClientEvents,
} from "./zk-client.js";
export type { ProgressListener } from "./bulk-read.js";
export type { TransportKind } from "./transport.js";
