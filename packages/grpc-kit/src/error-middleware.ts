import { randomUUID } from "node:crypto";
import type { Logger } from "@biometricflow/telemetry";
import { ServerError, Status, type ServerMiddleware } from "nice-grpc";
import { isAbortError } from "./abort.js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "./domain-errors.js";

const statusOf = new Map<abstract new (...args: never[]) => Error, Status>([
  [InvalidArgumentError, Status.INVALID_ARGUMENT],
  [NotFoundError, Status.NOT_FOUND],
  [FailedPreconditionError, Status.FAILED_PRECONDITION],
  [UnavailableError, Status.UNAVAILABLE],
]);

/** The status for an error escaping a handler; unexpected errors are logged under an id the caller sees. */
export function toServerError(err: unknown, method: string, log: Logger): unknown {
  if (err instanceof ServerError || isAbortError(err)) return err;
  for (const [type, code] of statusOf) if (err instanceof type) return new ServerError(code, err.message);
  const id = randomUUID().slice(0, 8);
  log.error({ err, errorId: id, method }, "unexpected error in gRPC handler");
  return new ServerError(Status.INTERNAL, `internal error (id ${id}); the server logged the details`);
}

/** Domain errors -> their status; anything else -> INTERNAL with a logged id, never a crash. */
export function errorMiddleware(log: Logger): ServerMiddleware {
  return async function* mapErrors(call, context) {
    try {
      return yield* call.next(call.request, context);
    } catch (err) {
      throw toServerError(err, call.method.path, log);
    }
  };
}
