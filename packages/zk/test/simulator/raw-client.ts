// A minimal client built only from the codec, so simulator tests do not depend on ZkClient.
import dgram from "node:dgram";
import net from "node:net";
import {
  Command,
  Reply,
  TcpFramer,
  decodeBufferDescriptor,
  decodePacket,
  encodePacket,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpFrame,
  nextReplyId,
  READ_CHUNK,
  type ZkPacket,
} from "../../src/protocol/index.js";

interface Waiter {
  resolve: (p: ZkPacket) => void;
  reject: (e: Error) => void;
}

/** Packets in arrival order; `next()` waits for the next one. Events (500) go to `events`. */
abstract class RawClient {
  sessionId = 0;
  replyId = 0;
  readonly events: ZkPacket[] = [];
  private readonly inbox: ZkPacket[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly eventWaiters: Waiter[] = [];
  protected closedError: Error | undefined;

  protected abstract write(bytes: ZkPacket): void;
  abstract close(): Promise<void>;

  protected receive(p: ZkPacket): void {
    if (p.command === Command.REG_EVENT && p.replyId === 0) {
      const w = this.eventWaiters.shift();
      if (w) w.resolve(p);
      else this.events.push(p);
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(p);
    else this.inbox.push(p);
  }

  protected fail(err: Error): void {
    this.closedError = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const w of this.eventWaiters.splice(0)) w.reject(err);
  }

  next(): Promise<ZkPacket> {
    const p = this.inbox.shift();
    if (p) return Promise.resolve(p);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  nextEvent(): Promise<ZkPacket> {
    const p = this.events.shift();
    if (p) return Promise.resolve(p);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.eventWaiters.push({ resolve, reject }));
  }

  /** Send with the session id and the next reply id (or explicit ones). */
  send(command: number, data: Buffer = Buffer.alloc(0), header: Partial<ZkPacket> = {}): ZkPacket {
    if (header.replyId === undefined) this.replyId = nextReplyId(this.replyId);
    const p: ZkPacket = { command, sessionId: this.sessionId, replyId: this.replyId, data, ...header };
    this.write(p);
    return p;
  }

  async request(command: number, data?: Buffer, header?: Partial<ZkPacket>): Promise<ZkPacket> {
    this.send(command, data, header);
    return this.next();
  }

  async connect(): Promise<ZkPacket> {
    this.replyId = 65534; // so CONNECT goes out with reply id 0, as pyzk does
    const reply = await this.request(Command.CONNECT);
    this.sessionId = reply.sessionId;
    return reply;
  }

  /** PREPARE_BUFFER + READ_BUFFER chunks + FREE_DATA: the whole transfer buffer. */
  async readBuffer(command: number, fct: number, chunk: number = READ_CHUNK.tcp): Promise<Buffer> {
    const first = await this.request(Command.PREPARE_BUFFER, encodePrepareBuffer(command, fct));
    if (first.command === Command.DATA) return Buffer.from(first.data);
    if (first.command !== Reply.ACK_OK) throw new Error(`PREPARE_BUFFER answered ${first.command}`);
    const size = decodeBufferDescriptor(first.data);
    const parts: Buffer[] = [];
    for (let start = 0; start < size; start += chunk) {
      const length = Math.min(chunk, size - start);
      await this.readChunk(start, length, parts);
    }
    await this.request(Command.FREE_DATA);
    return Buffer.concat(parts);
  }

  /** One READ_BUFFER: PREPARE_DATA, DATA fragments until `length` bytes, ACK_OK. */
  async readChunk(start: number, length: number, parts: Buffer[] = []): Promise<ZkPacket[]> {
    const packets = [await this.request(Command.READ_BUFFER, encodeReadBuffer(start, length))];
    if (packets[0]!.command !== Command.PREPARE_DATA)
      throw new Error(`READ_BUFFER answered ${packets[0]!.command}`);
    let got = 0;
    while (got < length) {
      const p = await this.next();
      packets.push(p);
      if (p.command !== Command.DATA) throw new Error(`expected DATA, got ${p.command}`);
      parts.push(Buffer.from(p.data));
      got += p.data.length;
    }
    packets.push(await this.next());
    return packets;
  }
}

export class RawTcpClient extends RawClient {
  private readonly framer = new TcpFramer();
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    super();
    socket.on("data", (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.receive(decodePacket(frame));
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.fail(new Error("connection closed"));
        resolve();
      }),
    );
    socket.on("error", () => undefined);
  }

  static open(port: number, host = "127.0.0.1"): Promise<RawTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawTcpClient(socket)));
      socket.once("error", reject);
    });
  }

  protected write(p: ZkPacket): void {
    this.socket.write(encodeTcpFrame(p));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

export class RawUdpClient extends RawClient {
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly port: number,
    private readonly host: string,
  ) {
    super();
    socket.on("message", (msg) => this.receive(decodePacket(msg)));
  }

  static open(port: number, host = "127.0.0.1"): Promise<RawUdpClient> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket("udp4");
      socket.bind(0, "127.0.0.1", () => resolve(new RawUdpClient(socket, port, host)));
    });
  }

  protected write(p: ZkPacket): void {
    this.socket.send(encodePacket(p), this.port, this.host);
  }

  writeRaw(bytes: Buffer): void {
    this.socket.send(bytes, this.port, this.host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
