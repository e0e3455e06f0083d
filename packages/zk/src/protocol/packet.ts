import { zkChecksum } from "./checksum.js";
import { ZkProtocolError } from "./errors.js";

/** One ZK packet: the 8-byte header and its data (fact sheet §1.1). */
export interface ZkPacket {
  command: number;
  /** Session id; some packets carry an event code or fragment index here (§1.7). */
  sessionId: number;
  replyId: number;
  data: Buffer;
}

export const HEADER_SIZE = 8;
export const TCP_MAGIC = Buffer.from([0x50, 0x50, 0x82, 0x7d]);
export const TCP_WRAPPER_SIZE = 8;
/** The largest replyId a client sends; it wraps 65534 -> 0 (§1.6). */
export const MAX_REPLY_ID = 65534;

const EMPTY = Buffer.alloc(0);

export function nextReplyId(replyId: number): number {
  return replyId >= MAX_REPLY_ID ? 0 : replyId + 1;
}

/** Serialise a packet and fill in its checksum. `prefix` reserves room for the TCP wrapper. */
function encodeInto(p: ZkPacket, prefix: number): Buffer {
  const data = p.data ?? EMPTY;
  const out = Buffer.allocUnsafe(prefix + HEADER_SIZE + data.length);
  out.writeUInt16LE(p.command & 0xffff, prefix);
  out.writeUInt16LE(0, prefix + 2);
  out.writeUInt16LE(p.sessionId & 0xffff, prefix + 4);
  out.writeUInt16LE(p.replyId & 0xffff, prefix + 6);
  data.copy(out, prefix + HEADER_SIZE);
  out.writeUInt16LE(zkChecksum(out.subarray(prefix)), prefix + 2);
  return out;
}

/** A packet as sent over UDP (no wrapper). */
export function encodePacket(p: ZkPacket): Buffer {
  return encodeInto(p, 0);
}

/** A packet as sent over TCP: `50 50 82 7D`, u32 length, then the packet. */
export function encodeTcpFrame(p: ZkPacket): Buffer {
  const out = encodeInto(p, TCP_WRAPPER_SIZE);
  TCP_MAGIC.copy(out, 0);
  out.writeUInt32LE(out.length - TCP_WRAPPER_SIZE, 4);
  return out;
}

export interface DecodeOptions {
  /** Reject packets whose checksum does not match (default true). */
  verifyChecksum?: boolean;
}

/** Parse one ZK packet (no TCP wrapper). The returned data is a view into `bytes`. */
export function decodePacket(bytes: Buffer, options: DecodeOptions = {}): ZkPacket {
  if (bytes.length < HEADER_SIZE) {
    throw new ZkProtocolError(`packet of ${bytes.length} bytes is shorter than the 8-byte header`);
  }
  const checksum = bytes.readUInt16LE(2);
  if (options.verifyChecksum !== false) {
    const expected = zkChecksum(bytes);
    if (checksum !== expected) {
      throw new ZkProtocolError(
        `bad checksum 0x${hex4(checksum)} (expected 0x${hex4(expected)}) on a ${bytes.length}-byte packet`,
      );
    }
  }
  return {
    command: bytes.readUInt16LE(0),
    sessionId: bytes.readUInt16LE(4),
    replyId: bytes.readUInt16LE(6),
    data: bytes.subarray(HEADER_SIZE),
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}
