import type { DecodedAttendanceLog } from "./attendance-record.js";

// A closed set of typed errors. Every error says which device and which command it concerns,
// so a caller can report it without a stack trace.

export type ZkErrorKind = "network" | "timeout" | "unauthenticated" | "protocol" | "device" | "usage";

export interface ZkErrorContext {
  /** "host:port" of the device, when known. */
  device?: string;
  /** Command name (CMD_...) in flight, when known. */
  command?: string;
  cause?: unknown;
}

export class ZkError extends Error {
  readonly device?: string;
  readonly command?: string;
  constructor(
    readonly kind: ZkErrorKind,
    message: string,
    context: ZkErrorContext = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.device = context.device;
    this.command = context.command;
  }

  /** One line for people: what failed, where, during which command. */
  describe(): string {
    const where = [this.device, this.command].filter(Boolean).join(" ");
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** The socket could not be opened, was refused, or closed under us. */
export class ZkNetworkError extends ZkError {
  constructor(message: string, context?: ZkErrorContext) {
    super("network", message, context);
  }
}

/** No reply (or no further bytes of a reply) within the request timeout. */
export class ZkTimeoutError extends ZkError {
  constructor(message: string, context?: ZkErrorContext) {
    super("timeout", message, context);
  }
}

/** The device wants a comm key, or refused the one given. */
export class ZkAuthError extends ZkError {
  constructor(message: string, context?: ZkErrorContext) {
    super("unauthenticated", message, context);
  }
}

/** Bytes that do not follow the protocol: bad magic, checksum, length or record layout. */
export class ZkProtocolError extends ZkError {
  constructor(message: string, context?: ZkErrorContext) {
    super("protocol", message, context);
  }
}

/** The device answered with an error reply code. */
export class ZkDeviceError extends ZkError {
  constructor(
    message: string,
    readonly replyCode: number,
    context?: ZkErrorContext,
  ) {
    super("device", message, context);
  }
}

/**
 * A bulk read that stopped before the end. Never hand back a short list silently:
 * this says how far the read got.
 */
export class ZkIncompleteReadError extends ZkError {
  constructor(
    message: string,
    readonly receivedBytes: number,
    readonly expectedBytes: number,
    cause: ZkError,
  ) {
    super(cause.kind, message, { device: cause.device, command: cause.command, cause });
  }
}

/**
 * An attendance log with records that could not be decoded (an impossible time, say), from a
 * read that must return every record. Nothing is lost: `log` holds the readable records and each
 * unreadable one with its position, bytes and reason (what ZkClient.getAttendanceLog returns).
 */
export class ZkUnreadableRecordsError extends ZkProtocolError {
  constructor(
    message: string,
    readonly log: DecodedAttendanceLog,
    context?: ZkErrorContext,
  ) {
    super(message, context);
  }
}
