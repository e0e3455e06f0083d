import {
  Command,
  DATA_FRAGMENT,
  Reply,
  encodeBufferDescriptor,
  encodePrepareData,
  type ZkPacket,
} from "../protocol/index.js";

/** Buffers below this go back as one CMD_DATA ("approx. < 1 KB", fact sheet §6.1 case a). */
export const DIRECT_DATA_LIMIT = 1024;

export type Transport = "tcp" | "udp";

/**
 * First answer to a bulk read (PREPARE_BUFFER, or ATTLOG_RRQ/USERTEMP_RRQ sent directly): the
 * whole buffer in one CMD_DATA when small, else ACK_OK with the 13-byte descriptor after which
 * the client pulls chunks with READ_BUFFER.
 */
export function bulkReadStart(buffer: Buffer, sessionId: number, replyId: number): ZkPacket {
  if (buffer.length < DIRECT_DATA_LIMIT) return { command: Command.DATA, sessionId, replyId, data: buffer };
  return { command: Reply.ACK_OK, sessionId, replyId, data: encodeBufferDescriptor(buffer.length) };
}

/** Is [start, start+length) a non-empty range inside the buffer? */
export function isValidChunk(buffer: Buffer, start: number, length: number): boolean {
  return start >= 0 && length > 0 && start + length <= buffer.length;
}

/**
 * The stream that answers one READ_BUFFER (fact sheet §6.1 step 4): PREPARE_DATA(chunk length,
 * fragment size), CMD_DATA fragments whose sessionId field counts 0, 1, 2, ..., and a closing
 * ACK_OK that repeats the last fragment index as in the capture. All carry the request's replyId.
 * Fragment data are views into `buffer`: encoding the frames is the only copy.
 */
export function readBufferStream(
  buffer: Buffer,
  start: number,
  length: number,
  transport: Transport,
  sessionId: number,
  replyId: number,
): ZkPacket[] {
  const fragment = DATA_FRAGMENT[transport];
  const packets: ZkPacket[] = [
    { command: Command.PREPARE_DATA, sessionId, replyId, data: encodePrepareData(length, fragment) },
  ];
  let index = 0;
  for (let off = 0; off < length; off += fragment, index++) {
    const end = start + Math.min(off + fragment, length);
    packets.push({
      command: Command.DATA,
      sessionId: index,
      replyId,
      data: buffer.subarray(start + off, end),
    });
  }
  packets.push({ command: Reply.ACK_OK, sessionId: index - 1, replyId, data: Buffer.alloc(0) });
  return packets;
}
