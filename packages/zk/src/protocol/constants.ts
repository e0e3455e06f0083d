// Code tables of the ZK protocol (fact sheet §2). Numbers are the wire values.

export const Command = {
  DB_RRQ: 7,
  USER_WRQ: 8,
  USERTEMP_RRQ: 9,
  OPTIONS_RRQ: 11,
  OPTIONS_WRQ: 12,
  ATTLOG_RRQ: 13,
  CLEAR_DATA: 14,
  CLEAR_ATTLOG: 15,
  DELETE_USER: 18,
  DELETE_USERTEMP: 19,
  CLEAR_ADMIN: 20,
  UNLOCK: 31,
  CLEAR_OPLOG: 33,
  OPLOG_RRQ: 34,
  GET_FREE_SIZES: 50,
  ENABLE_CLOCK: 57,
  STARTVERIFY: 60,
  CANCELCAPTURE: 62,
  STATE_RRQ: 64,
  WRITE_LCD: 66,
  CLEAR_LCD: 67,
  GET_PINWIDTH: 69,
  DOORSTATE_RRQ: 75,
  /** Undocumented `_CMD_GET_USERTEMP`: read one template. */
  GET_USERTEMP: 88,
  /** Undocumented `_CMD_DEL_USER_TEMP`: delete a template by user_id text. */
  DEL_USER_TEMP: 134,
  GET_TIME: 201,
  SET_TIME: 202,
  REG_EVENT: 500,
  CONNECT: 1000,
  EXIT: 1001,
  ENABLE_DEVICE: 1002,
  DISABLE_DEVICE: 1003,
  RESTART: 1004,
  POWEROFF: 1005,
  SLEEP: 1006,
  RESUME: 1007,
  REFRESHDATA: 1013,
  REFRESHOPTION: 1014,
  TESTVOICE: 1017,
  GET_VERSION: 1100,
  CHANGE_SPEED: 1101,
  AUTH: 1102,
  PREPARE_DATA: 1500,
  DATA: 1501,
  FREE_DATA: 1502,
  PREPARE_BUFFER: 1503,
  READ_BUFFER: 1504,
} as const;

export const Reply = {
  ACK_OK: 2000,
  ACK_ERROR: 2001,
  ACK_DATA: 2002,
  ACK_RETRY: 2003,
  ACK_REPEAT: 2004,
  ACK_UNAUTH: 2005,
  ACK_UNKNOWN: 0xffff,
  ACK_ERROR_CMD: 0xfffd,
  ACK_ERROR_INIT: 0xfffc,
  ACK_ERROR_DATA: 0xfffb,
} as const;

/** Realtime event flags: the REG_EVENT mask, and the event code carried in event packets. */
export const EventFlag = {
  ATTLOG: 1,
  FINGER: 2,
  ENROLLUSER: 4,
  ENROLLFINGER: 8,
  BUTTON: 16,
  UNLOCK: 32,
  VERIFY: 128,
  FPFTR: 256,
  ALARM: 512,
} as const;

/** Data-set codes used by PREPARE_BUFFER and CLEAR_DATA. */
export const Fct = {
  ATTLOG: 1,
  FINGERTMP: 2,
  OPLOG: 4,
  USER: 5,
  SMS: 6,
  UDATA: 7,
  WORKCODE: 8,
} as const;

/** Replies pyzk counts as success; devices answer data requests with any of them. */
export const SUCCESS_REPLIES: ReadonlySet<number> = new Set([
  Reply.ACK_OK,
  Command.PREPARE_DATA,
  Command.DATA,
]);

const names = new Map<number, string>();
for (const [name, code] of Object.entries(Command)) names.set(code, `CMD_${name}`);
for (const [name, code] of Object.entries(Reply)) names.set(code, `CMD_${name}`);

/** Human name of a command or reply code, for errors and logs. */
export function commandName(code: number): string {
  return names.get(code) ?? `command ${code}`;
}

/** Bulk-read chunk sizes requested with READ_BUFFER (fact sheet §6.1). */
export const READ_CHUNK = { tcp: 0xffc0, udp: 16384 } as const;

/** Largest CMD_DATA payload a device sends in one fragment (fact sheet §6.1, §8). */
export const DATA_FRAGMENT = { tcp: 1008, udp: 1024 } as const;
