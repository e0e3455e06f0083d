import { ZkProtocolError } from "./errors.js";
import { HEADER_SIZE, TCP_MAGIC, TCP_WRAPPER_SIZE } from "./packet.js";

/** No real reply comes near this; a larger length means the stream is corrupt. */
export const MAX_FRAME_LENGTH = 4 * 1024 * 1024;

/**
 * Reassembles ZK packets from a TCP byte stream: frames split across reads and several frames
 * in one read (fact sheet §1.2). Emits the inner ZK packets (wrapper removed). Memory held is
 * bounded by one frame; a bad magic or length throws, after which the stream is unusable.
 */
export class TcpFramer {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Bytes needed before the next frame can complete; avoids re-concatenating a large frame. */
  private needed = TCP_WRAPPER_SIZE;

  constructor(private readonly maxFrameLength = MAX_FRAME_LENGTH) {}

  /** Feed bytes; returns the complete packets they finish, in order. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held < this.needed) return [];
    const buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.held);
    const frames: Buffer[] = [];
    let off = 0;
    this.needed = TCP_WRAPPER_SIZE;
    while (buf.length - off >= TCP_WRAPPER_SIZE) {
      if (
        buf[off] !== TCP_MAGIC[0] ||
        buf[off + 1] !== TCP_MAGIC[1] ||
        buf[off + 2] !== TCP_MAGIC[2] ||
        buf[off + 3] !== TCP_MAGIC[3]
      ) {
        this.reset();
        throw new ZkProtocolError(
          `bad TCP frame magic ${buf.subarray(off, off + 4).toString("hex")} (expected 5050827d)`,
        );
      }
      const length = buf.readUInt32LE(off + 4);
      if (length < HEADER_SIZE || length > this.maxFrameLength) {
        this.reset();
        throw new ZkProtocolError(`TCP frame length ${length} is outside 8..${this.maxFrameLength}`);
      }
      const end = off + TCP_WRAPPER_SIZE + length;
      if (end > buf.length) {
        this.needed = end - off;
        break;
      }
      frames.push(buf.subarray(off + TCP_WRAPPER_SIZE, end));
      off = end;
    }
    // Copy the tail so a large read buffer is not kept alive by a few leftover bytes.
    const rest = buf.length - off;
    this.chunks = rest > 0 ? [Buffer.from(buf.subarray(off))] : [];
    this.held = rest;
    return frames;
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.held;
  }

  reset(): void {
    this.chunks = [];
    this.held = 0;
    this.needed = TCP_WRAPPER_SIZE;
  }
}
