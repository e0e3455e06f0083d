/**
 * The closed set of errors domain code may throw on purpose. They carry no transport types, so
 * domain code stays free of gRPC; error-middleware.ts maps each to its status in one place.
 * Anything else that escapes a handler is a bug and becomes INTERNAL.
 */
abstract class DomainError extends Error {
  override get name(): string {
    return this.constructor.name;
  }
}

/** The request itself is wrong (a malformed field, a value out of range). */
export class InvalidArgumentError extends DomainError {}

/** A named thing (device, user, command) does not exist. */
export class NotFoundError extends DomainError {}

/** The request is well-formed but the system is not in a state to do it. */
export class FailedPreconditionError extends DomainError {}

/** Try again later: a dependency (supervisor, device, disk) cannot do it now. */
export class UnavailableError extends DomainError {}

export type { DomainError };
