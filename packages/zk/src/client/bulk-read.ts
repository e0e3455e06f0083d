import {
  Command,
  commandName,
  decodeBufferDescriptor,
  decodePrepareData,
  encodePrepareBuffer,
  encodeReadBuffer,
  Reply,
  unwrapRecords,
  ZkDeviceError,
  ZkError,
  ZkIncompleteReadError,
  ZkProtocolError,
  type ZkPacket,
} from "../protocol/index.js";
import type { ZkConnection } from "./connection.js";

/**
 * The largest buffer a device may announce: 13 million 40-byte punches. No terminal holds that
 * much; a larger descriptor is corrupt and must not become a gigabyte allocation.
 */
export const MAX_BULK_BYTES = 512 * 1024 * 1024;

export type ProgressListener = (receivedBytes: number, totalBytes: number) => void;

/**
 * A buffered bulk read (fact sheet §6): PREPARE_BUFFER, READ_BUFFER chunk by chunk, FREE_DATA.
 * It keeps what it has received, so after a dropped connection `run` can be called again on a
 * new connection and continues from the first missing byte. It returns every byte or throws.
 */
export class BulkRead {
  private buffer: Buffer = Buffer.alloc(0);
  private received = 0;

  constructor(
    private readonly command: number,
    private readonly fct: number,
    private readonly opts: { chunkRetries: number; onProgress?: ProgressListener },
  ) {}

  get progress(): { received: number; total: number } {
    return { received: this.received, total: this.buffer.length };
  }

  /** Returns the record bytes (the buffer without its u32 length prefix). */
  async run(conn: ZkConnection): Promise<Buffer> {
    const size = await this.prepare(conn);
    if (size === undefined) return this.records(conn);
    this.resize(size);
    while (this.received < size) {
      const length = Math.min(conn.readChunk, size - this.received);
      await this.readChunk(conn, this.received, length);
      this.received += length;
      this.opts.onProgress?.(this.received, size);
    }
    await conn.exchange(Command.FREE_DATA).catch(() => undefined); // the data is already safe here
    return this.records(conn);
  }

  private records(conn: ZkConnection): Buffer {
    try {
      return unwrapRecords(this.buffer);
    } catch (err) {
      throw new ZkProtocolError((err as Error).message, {
        device: conn.device,
        command: commandName(this.command),
      });
    }
  }

  /** Wrap a failure with how far the read got. */
  incomplete(cause: ZkError): ZkIncompleteReadError {
    return new ZkIncompleteReadError(
      `read stopped after ${this.received} of ${this.buffer.length || "?"} bytes: ${cause.message}`,
      this.received,
      this.buffer.length,
      cause,
    );
  }

  /** Returns the total size, or undefined when the device sent the whole buffer at once. */
  private async prepare(conn: ZkConnection): Promise<number | undefined> {
    let size: number | undefined;
    let direct: Buffer | undefined;
    await conn.stream(Command.PREPARE_BUFFER, encodePrepareBuffer(this.command, this.fct), (p) => {
      if (p.command === Command.DATA) {
        direct = Buffer.from(p.data);
        return true;
      }
      if (p.command === Reply.ACK_OK) {
        size = decodeBufferDescriptor(p.data);
        if (size > MAX_BULK_BYTES) {
          throw new ZkProtocolError(
            `the device announced ${size} bytes; no terminal holds more than ${MAX_BULK_BYTES}`,
            {
              device: conn.device,
              command: "CMD_PREPARE_BUFFER",
            },
          );
        }
        return true;
      }
      throw this.replyError(conn, p, Command.PREPARE_BUFFER);
    });
    if (direct) {
      this.buffer = direct;
      this.received = direct.length;
      return undefined;
    }
    return size;
  }

  /** Resume only when the device's buffer is the same size; a changed log is read again from 0. */
  private resize(size: number): void {
    if (size === this.buffer.length) return;
    this.buffer = Buffer.allocUnsafe(size);
    this.received = 0;
  }

  private async readChunk(conn: ZkConnection, start: number, length: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.readChunkOnce(conn, start, length);
        return;
      } catch (err) {
        // Timeouts and corrupt packets are retried on the same session; a dead link is not.
        const retriable = err instanceof ZkError && (err.kind === "timeout" || err.kind === "protocol");
        if (!retriable || attempt >= this.opts.chunkRetries || !conn.isOpen) throw err;
      }
    }
  }

  private readChunkOnce(conn: ZkConnection, start: number, length: number): Promise<void> {
    let got = 0;
    let announced = false;
    const into = (data: Buffer): void => {
      if (got + data.length > length) {
        throw new ZkProtocolError(
          `chunk at ${start} overflows: ${got + data.length} bytes for ${length} asked`,
          {
            device: conn.device,
            command: "CMD_READ_BUFFER",
          },
        );
      }
      data.copy(this.buffer, start + got);
      got += data.length;
    };
    const complete = (): void => {
      if (got !== length) {
        throw new ZkProtocolError(`chunk at ${start} ended after ${got} of ${length} bytes`, {
          device: conn.device,
          command: "CMD_READ_BUFFER",
        });
      }
    };
    return conn.stream(Command.READ_BUFFER, encodeReadBuffer(start, length), (p) => {
      switch (p.command) {
        case Command.PREPARE_DATA:
          announced = true;
          if (decodePrepareData(p.data) !== length) {
            throw new ZkProtocolError(
              `device announced ${decodePrepareData(p.data)} bytes for a ${length}-byte chunk`,
              {
                device: conn.device,
                command: "CMD_READ_BUFFER",
              },
            );
          }
          return false;
        case Command.DATA:
          into(p.data);
          // Without PREPARE_DATA the chunk comes as one CMD_DATA and nothing follows.
          if (announced) return false;
          complete();
          return true;
        case Reply.ACK_OK:
          complete();
          return true;
        default:
          throw this.replyError(conn, p, Command.READ_BUFFER);
      }
    });
  }

  private replyError(conn: ZkConnection, p: ZkPacket, command: number): ZkError {
    if (p.command === Reply.ACK_UNAUTH) return conn.sessionLost(command); // resumable on a new session
    return new ZkDeviceError(`the device answered ${commandName(p.command)}`, p.command, {
      device: conn.device,
      command: commandName(command),
    });
  }
}
