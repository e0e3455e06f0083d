export {
  InvalidArgumentError,
  NotFoundError,
  FailedPreconditionError,
  UnavailableError,
  type DomainError,
} from "./domain-errors.js";
export { isAbortError } from "./abort.js";
export { errorMiddleware, toServerError } from "./error-middleware.js";
export { createTerminator, type Terminator, type TerminatorContext } from "./terminator-middleware.js";
export {
  startGrpcServer,
  type GrpcServerOptions,
  type KitCallContext,
  type RunningGrpcServer,
  type ServiceRegistrar,
} from "./start-grpc-server.js";
export {
  createChannelClient,
  deadlineMiddleware,
  type ChannelClient,
  type ChannelClientOptions,
  type DeadlineOptions,
} from "./channel-client.js";
export { tokenAuthMiddleware, tokenMiddleware, type TokenAuth } from "./token-auth.js";
export { letHeapGrow } from "./heap-growth.js";
