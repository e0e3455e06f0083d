// The pure ZK protocol codec: bytes in, values out. No sockets, no timers.
export * from "./constants.js";
export * from "./errors.js";
export * from "./checksum.js";
export * from "./packet.js";
export * from "./tcp-framer.js";
export * from "./comm-key.js";
export * from "./time.js";
export * from "./text.js";
export * from "./user-record.js";
export * from "./attendance-record.js";
export * from "./free-sizes.js";
export * from "./options.js";
export * from "./realtime-event.js";
export * from "./buffered-read.js";
