import { join } from "node:path";

// Generated from proto/ by `npm run generate` (buf + ts-proto); never edited by hand.
export * from "./gen/biometricflow/v1/punch.js";
export * from "./gen/biometricflow/v1/place.js";
export * from "./gen/biometricflow/v1/supervisor_link.js";
export * from "./gen/biometricflow/v1/supervisor.js";
export * from "./gen/biometricflow/v1/analytics.js";
export { Timestamp } from "./gen/google/protobuf/timestamp.js";
// Every service file declares this helper type; one export settles which.
export type { ServerStreamingMethodResult } from "./gen/biometricflow/v1/place.js";

/** FileDescriptorSet of every contract (built by `npm run generate`), for gRPC server reflection. */
export const descriptorSetPath = join(__dirname, "..", "descriptor-set.binpb");
