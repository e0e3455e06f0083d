import {
  Command,
  EventFlag,
  Fct,
  Reply,
  ZkProtocolError,
  decodeOptionKey,
  decodeOptionWrite,
  decodePrepareBuffer,
  decodeReadBuffer,
  decodeUser28,
  decodeUser72,
  decodeZkTime,
  encodeAttLogEvent,
  encodeFreeSizes,
  encodeOptionReply,
  encodeZkTime,
  isRegistered,
  verifyCommKey,
  type AttendanceRecord,
  type ZkPacket,
} from "../protocol/index.js";
import { bulkReadStart, isValidChunk, readBufferStream, type Transport } from "./bulk-read.js";
import type { DeviceState } from "./device-state.js";

/** What the device remembers about one client: per TCP connection, or per UDP address. */
export interface SessionState {
  /** 0 until CONNECT. */
  id: number;
  authenticated: boolean;
  /** REG_EVENT flags. */
  eventMask: number;
  /** The buffer of the last bulk read, served by READ_BUFFER until FREE_DATA. */
  prepared: Buffer | undefined;
}

export interface SessionOptions {
  transport: Transport;
  /** Answer ACK_UNAUTH when a packet names another session id (default true). */
  strictSessionId?: boolean;
}

export interface Outcome {
  replies: ZkPacket[];
  /** RESTART/POWEROFF: reboot once the replies are out. */
  reboot?: boolean;
  /** EXIT: the session is over (UDP forgets it). */
  exit?: boolean;
  /** A bulk read starts here: fault accounting counts its bytes from zero. */
  bulkStart?: boolean;
}

export function createSession(): SessionState {
  return { id: 0, authenticated: false, eventMask: 0, prepared: undefined };
}

const EMPTY = Buffer.alloc(0);
/** An empty template/oplog set: just the u32 length prefix (fact sheet §6.2). */
const emptySet = (): Buffer => Buffer.alloc(4);
/** GET_PINWIDTH's one binary byte (capture R15). */
const PIN_WIDTH = 9;

/** Commands a terminal acknowledges without any effect the simulator models. */
const PLAIN_ACK = new Set<number>([
  Command.REFRESHDATA,
  Command.REFRESHOPTION,
  Command.CANCELCAPTURE,
  Command.STARTVERIFY,
  Command.ENABLE_CLOCK,
  Command.WRITE_LCD,
  Command.CLEAR_LCD,
  Command.TESTVOICE,
  Command.UNLOCK,
  Command.CHANGE_SPEED,
  Command.SLEEP,
  Command.RESUME,
  Command.CLEAR_OPLOG,
]);

/** Commands allowed before authentication (fact sheet §8, suggested device behaviour). */
const OPEN_COMMANDS = new Set<number>([Command.CONNECT, Command.AUTH, Command.EXIT]);

interface Ctx {
  device: DeviceState;
  session: SessionState;
  req: ZkPacket;
  transport: Transport;
}

/**
 * The device's answer to one well-formed request: pure protocol logic, no I/O. It updates the
 * device and session state and returns the packets to send, in order. Every request gets at
 * least one reply, except a client's ACK_OK to a live event, which devices take silently.
 */
export function handleRequest(
  device: DeviceState,
  session: SessionState,
  req: ZkPacket,
  options: SessionOptions,
): Outcome {
  if (req.command === Reply.ACK_OK) return { replies: [] };
  if (!OPEN_COMMANDS.has(req.command)) {
    const wrongSession = options.strictSessionId !== false && req.sessionId !== session.id;
    if (session.id === 0 || !session.authenticated || wrongSession)
      return reply(session, req, Reply.ACK_UNAUTH);
  }
  const ctx: Ctx = { device, session, req, transport: options.transport };
  try {
    return dispatch(ctx);
  } catch (err) {
    // Malformed request data (short payload, impossible date, value the layout cannot hold).
    if (err instanceof RangeError || err instanceof ZkProtocolError)
      return reply(session, req, Reply.ACK_ERROR);
    throw err;
  }
}

function reply(session: SessionState, req: ZkPacket, command: number, data: Buffer = EMPTY): Outcome {
  return { replies: [{ command, sessionId: session.id, replyId: req.replyId, data }] };
}

function ok(ctx: Ctx, data?: Buffer): Outcome {
  return reply(ctx.session, ctx.req, Reply.ACK_OK, data);
}

function error(ctx: Ctx): Outcome {
  return reply(ctx.session, ctx.req, Reply.ACK_ERROR);
}

function dispatch(ctx: Ctx): Outcome {
  const { device, session, req } = ctx;
  const data = req.data;
  if (PLAIN_ACK.has(req.command)) return ok(ctx);
  switch (req.command) {
    case Command.CONNECT:
      return connect(ctx);
    case Command.AUTH:
      return auth(ctx);
    case Command.EXIT: {
      const out = ok(ctx);
      Object.assign(session, createSession());
      return { ...out, exit: true };
    }
    case Command.GET_FREE_SIZES:
      return ok(ctx, encodeFreeSizes(device.freeSizes()));
    case Command.GET_VERSION:
      return ok(ctx, Buffer.from(`${device.firmware}\0`, "latin1"));
    case Command.OPTIONS_RRQ: {
      const key = decodeOptionKey(data);
      const value = device.getOption(key);
      return value === undefined ? error(ctx) : ok(ctx, encodeOptionReply(key, value));
    }
    case Command.OPTIONS_WRQ: {
      const option = decodeOptionWrite(data);
      if (!option || !option.key) return error(ctx);
      device.setOption(option.key, option.value);
      return ok(ctx);
    }
    case Command.GET_TIME: {
      const time = Buffer.alloc(4);
      time.writeUInt32LE(encodeZkTime(device.now()), 0);
      return ok(ctx, time);
    }
    case Command.SET_TIME:
      if (data.length < 4) return error(ctx);
      device.setClock(decodeZkTime(data.readUInt32LE(0)));
      return ok(ctx);
    case Command.GET_PINWIDTH:
      return ok(ctx, Buffer.of(PIN_WIDTH));
    case Command.STATE_RRQ:
      // The state (0 = waiting for commands) travels in the sessionId field (capture R14).
      return { replies: [{ command: Reply.ACK_OK, sessionId: 0, replyId: req.replyId, data: EMPTY }] };
    case Command.DOORSTATE_RRQ:
      return ok(ctx, Buffer.of(0));
    case Command.USER_WRQ: {
      const size = device.format.userSize;
      if (data.length !== size) return error(ctx);
      device.upsertUser(size === 72 ? decodeUser72(data) : decodeUser28(data));
      return ok(ctx);
    }
    case Command.DELETE_USER:
      if (data.length < 2) return error(ctx);
      return device.deleteUser(data.readUInt16LE(0)) ? ok(ctx) : error(ctx);
    case Command.CLEAR_ADMIN:
      device.clearAdmins();
      return ok(ctx);
    case Command.CLEAR_ATTLOG:
      device.clearAttendance();
      return ok(ctx);
    case Command.CLEAR_DATA:
      return clearData(ctx);
    case Command.ENABLE_DEVICE:
      device.enable();
      return ok(ctx);
    case Command.DISABLE_DEVICE:
      device.disable(data.length >= 4 ? data.readUInt32LE(0) : undefined);
      return ok(ctx);
    case Command.REG_EVENT:
      if (data.length === 0) return error(ctx);
      session.eventMask = data.readUIntLE(0, Math.min(4, data.length));
      return ok(ctx);
    case Command.RESTART:
    case Command.POWEROFF:
      // Acknowledge first (pyzk waits for it), then reboot; power-off reboots too, as a
      // simulator has nobody to press the power button.
      return { ...ok(ctx), reboot: true };
    case Command.DELETE_USERTEMP:
    case Command.GET_USERTEMP:
    case Command.DEL_USER_TEMP:
      return error(ctx); // no templates are stored
    case Command.PREPARE_BUFFER: {
      const { command, fct } = decodePrepareBuffer(data);
      return startBulk(ctx, dataSet(device, command, fct));
    }
    case Command.ATTLOG_RRQ:
      return startBulk(ctx, device.attendanceBuffer());
    case Command.USERTEMP_RRQ:
      // With u16 uid + u8 fid it reads one template [A]; otherwise all users.
      return data.length === 3 ? error(ctx) : startBulk(ctx, device.userBuffer());
    case Command.DB_RRQ:
    case Command.OPLOG_RRQ:
      return startBulk(ctx, dataSet(device, req.command, data.length > 0 ? data[0]! : 0));
    case Command.READ_BUFFER: {
      const { start, length } = decodeReadBuffer(data);
      const buffer = session.prepared;
      if (!buffer || !isValidChunk(buffer, start, length)) return error(ctx);
      return { replies: readBufferStream(buffer, start, length, ctx.transport, session.id, req.replyId) };
    }
    case Command.FREE_DATA:
      session.prepared = undefined;
      return ok(ctx);
    default:
      return reply(session, req, Reply.ACK_UNKNOWN);
  }
}

function connect(ctx: Ctx): Outcome {
  const { device, session } = ctx;
  // A second CONNECT on the same connection keeps its session id ([A], fact sheet §1.5).
  if (session.id === 0) session.id = device.nextSessionId();
  session.authenticated ||= device.commKey === 0;
  return reply(session, ctx.req, session.authenticated ? Reply.ACK_OK : Reply.ACK_UNAUTH);
}

function auth(ctx: Ctx): Outcome {
  const { device, session, req } = ctx;
  if (session.id === 0) return reply(session, req, Reply.ACK_UNAUTH);
  session.authenticated = device.commKey === 0 || verifyCommKey(req.data, device.commKey, session.id);
  return reply(session, req, session.authenticated ? Reply.ACK_OK : Reply.ACK_UNAUTH);
}

function clearData(ctx: Ctx): Outcome {
  const { device, req } = ctx;
  // No data clears everything; one FCT byte clears one kind [A].
  const fct = req.data.length > 0 ? req.data[0] : undefined;
  if (fct === undefined || fct === Fct.ATTLOG) device.clearAttendance();
  if (fct === undefined || fct === Fct.USER) device.clearUsers();
  return ok(ctx);
}

/** The buffer a bulk read names: inner command + FCT code (fact sheet §6.1). */
function dataSet(device: DeviceState, command: number, fct: number): Buffer | undefined {
  if (command === Command.ATTLOG_RRQ) return device.attendanceBuffer();
  if (command === Command.OPLOG_RRQ) return emptySet();
  if (command === Command.USERTEMP_RRQ || command === Command.DB_RRQ) {
    if (fct === Fct.USER) return device.userBuffer();
    if (fct === Fct.FINGERTMP) return emptySet();
  }
  return undefined;
}

function startBulk(ctx: Ctx, buffer: Buffer | undefined): Outcome {
  if (!buffer) return error(ctx);
  ctx.session.prepared = buffer;
  return { replies: [bulkReadStart(buffer, ctx.session.id, ctx.req.replyId)], bulkStart: true };
}

/**
 * The live event a session gets for a new punch, or undefined when it did not register
 * EF_ATTLOG: command 500, event code in the sessionId field, replyId 0 (fact sheet §7).
 */
export function attLogEvent(
  device: DeviceState,
  session: SessionState,
  record: AttendanceRecord,
): ZkPacket | undefined {
  if (session.id === 0 || !session.authenticated || !isRegistered(session.eventMask, EventFlag.ATTLOG))
    return undefined;
  const data = encodeAttLogEvent(record, device.format.eventSize);
  return { command: Command.REG_EVENT, sessionId: EventFlag.ATTLOG, replyId: 0, data };
}
