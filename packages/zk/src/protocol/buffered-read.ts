import { ZkProtocolError } from "./errors.js";

/** Payloads of the buffered bulk read: PREPARE_BUFFER / READ_BUFFER / PREPARE_DATA (§6). */

/** PREPARE_BUFFER data: i8 1, i16 inner command, i32 fct, i32 ext. */
export function encodePrepareBuffer(command: number, fct: number, ext = 0): Buffer {
  const b = Buffer.alloc(11);
  b.writeInt8(1, 0);
  b.writeInt16LE(command, 1);
  b.writeInt32LE(fct, 3);
  b.writeInt32LE(ext, 7);
  return b;
}

export function decodePrepareBuffer(data: Buffer): { command: number; fct: number; ext: number } {
  if (data.length < 11)
    throw new ZkProtocolError(`PREPARE_BUFFER request has ${data.length} bytes; 11 expected`);
  return { command: data.readInt16LE(1), fct: data.readInt32LE(3), ext: data.readInt32LE(7) };
}

/** ACK_OK descriptor: u8 0, u32 size, u32 size, u32 unknown (13 bytes). */
export function encodeBufferDescriptor(size: number, extra = 0): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt32LE(size, 1);
  b.writeUInt32LE(size, 5);
  b.writeUInt32LE(extra >>> 0, 9);
  return b;
}

export function decodeBufferDescriptor(data: Buffer): number {
  if (data.length < 5)
    throw new ZkProtocolError(`buffer descriptor has ${data.length} bytes; at least 5 expected`);
  return data.readUInt32LE(1);
}

/** READ_BUFFER data: i32 start, i32 length. */
export function encodeReadBuffer(start: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32LE(start, 0);
  b.writeInt32LE(length, 4);
  return b;
}

export function decodeReadBuffer(data: Buffer): { start: number; length: number } {
  if (data.length < 8) throw new ZkProtocolError(`READ_BUFFER request has ${data.length} bytes; 8 expected`);
  return { start: data.readInt32LE(0), length: data.readInt32LE(4) };
}

/** PREPARE_DATA data: u32 total size, u32 fragment size. */
export function encodePrepareData(size: number, fragment: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(size, 0);
  b.writeUInt32LE(fragment, 4);
  return b;
}

export function decodePrepareData(data: Buffer): number {
  if (data.length < 4)
    throw new ZkProtocolError(`PREPARE_DATA has ${data.length} bytes; at least 4 expected`);
  return data.readUInt32LE(0);
}

/** A transfer buffer is u32 record-byte count followed by the records (§6.2). */
export function wrapRecords(records: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4 + records.length);
  b.writeUInt32LE(records.length, 0);
  records.copy(b, 4);
  return b;
}

export function unwrapRecords(buffer: Buffer): Buffer {
  if (buffer.length < 4)
    throw new ZkProtocolError(`data buffer of ${buffer.length} bytes has no length prefix`);
  const size = buffer.readUInt32LE(0);
  if (size > buffer.length - 4) {
    throw new ZkProtocolError(`data buffer announces ${size} record bytes but holds ${buffer.length - 4}`);
  }
  return buffer.subarray(4, 4 + size);
}
