import {
  Command,
  commandName,
  makeCommKey,
  nextReplyId,
  Reply,
  SUCCESS_REPLIES,
  ZkAuthError,
  ZkDeviceError,
  ZkError,
  ZkNetworkError,
  ZkTimeoutError,
  type ZkPacket,
  ZkProtocolError,
} from "../protocol/index.js";
import { openTcp, openUdp, type Transport, type TransportKind } from "./transport.js";

const EMPTY = Buffer.alloc(0);

export interface ConnectionOptions {
  host: string;
  port: number;
  transport: TransportKind;
  /** Device comm key (0 or undefined: none). */
  commKey?: number;
  /** Time allowed for a reply, and between packets of a multi-packet reply. */
  timeoutMs: number;
  /** Realtime event packets (command 500) with their event code; already acknowledged. */
  onEvent?(eventCode: number, data: Buffer): void;
  onClose?(error?: ZkError): void;
}

/** Consumes the packets of one reply; returns true when the reply is complete. */
export type Collector = (packet: ZkPacket) => boolean;

interface Pending {
  command: number;
  replyId: number;
  collect: Collector;
  resolve(): void;
  reject(error: ZkError): void;
  timer: NodeJS.Timeout;
}

/**
 * One session with one device: handshake, one request in flight, replies matched by replyId
 * (so stale packets of an abandoned request are ignored), events acknowledged as they come.
 */
export class ZkConnection {
  private sessionId = 0;
  private replyId = 0;
  private pending: Pending | undefined;
  private closed: ZkError | false | undefined;
  private transport!: Transport;
  readonly device: string;

  private constructor(private readonly o: ConnectionOptions) {
    this.device = `${o.host}:${o.port}`;
  }

  static async open(o: ConnectionOptions): Promise<ZkConnection> {
    const c = new ZkConnection(o);
    const open = o.transport === "udp" ? openUdp : openTcp;
    c.transport = await open({
      host: o.host,
      port: o.port,
      connectTimeoutMs: o.timeoutMs,
      handlers: {
        onPacket: (p) => c.onPacket(p),
        onCorrupt: (e) => c.onCorrupt(e),
        onClose: (e) => c.onTransportClose(e),
      },
    });
    try {
      await c.handshake();
    } catch (err) {
      c.transport.close();
      throw err;
    }
    return c;
  }

  get readChunk(): number {
    return this.transport.readChunk;
  }

  get isOpen(): boolean {
    return this.closed === undefined;
  }

  private async handshake(): Promise<void> {
    this.replyId = 0;
    const reply = await this.exchange(Command.CONNECT, EMPTY, { accept: [Reply.ACK_UNAUTH] });
    this.sessionId = reply.sessionId;
    if (reply.command !== Reply.ACK_UNAUTH) return;
    if (!this.o.commKey) {
      throw new ZkAuthError("the device requires a comm key: pass it with --comm-key", {
        device: this.device,
        command: "CMD_CONNECT",
      });
    }
    const auth = await this.exchange(Command.AUTH, makeCommKey(this.o.commKey, this.sessionId), {
      accept: [Reply.ACK_UNAUTH],
    });
    if (auth.command === Reply.ACK_UNAUTH) {
      throw new ZkAuthError("the device refused the comm key: check --comm-key", {
        device: this.device,
        command: "CMD_AUTH",
      });
    }
  }

  /** Send one command and return its (single-packet) reply; error replies throw ZkDeviceError. */
  async exchange(command: number, data: Buffer = EMPTY, opts: { accept?: number[] } = {}): Promise<ZkPacket> {
    let reply: ZkPacket | undefined;
    await this.stream(command, data, (p) => {
      reply = p;
      return true;
    });
    const r = reply!;
    if (!SUCCESS_REPLIES.has(r.command) && !opts.accept?.includes(r.command)) {
      if (r.command === Reply.ACK_UNAUTH) throw this.sessionLost(command);
      throw new ZkDeviceError(`the device answered ${commandName(r.command)}`, r.command, {
        device: this.device,
        command: commandName(command),
      });
    }
    return r;
  }

  /** Send one command and feed every packet of its reply to `collect` until it returns true. */
  stream(command: number, data: Buffer, collect: Collector): Promise<void> {
    if (this.closed !== undefined) {
      return Promise.reject(
        this.closed ||
          new ZkNetworkError("the connection is closed", {
            device: this.device,
            command: commandName(command),
          }),
      );
    }
    if (this.pending)
      throw new Error(`ZkConnection: ${commandName(command)} sent while another command is in flight`);
    this.replyId = command === Command.CONNECT ? 0 : nextReplyId(this.replyId);
    const replyId = this.replyId;
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        command,
        replyId,
        collect,
        resolve,
        reject,
        timer: setTimeout(() => this.timeout(pending), this.o.timeoutMs),
      };
      this.pending = pending;
      this.transport.send({ command, sessionId: this.sessionId, replyId, data });
    });
  }

  private timeout(p: Pending): void {
    if (this.pending !== p) return;
    this.settle(
      new ZkTimeoutError(`no reply within ${this.o.timeoutMs} ms`, {
        device: this.device,
        command: commandName(p.command),
      }),
    );
  }

  private settle(error?: ZkError): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve();
  }

  private onPacket(p: ZkPacket): void {
    if (p.command === Command.REG_EVENT) {
      // Events carry the event code in the session field and replyId 0; the device wants an ACK.
      this.transport.send({ command: Reply.ACK_OK, sessionId: this.sessionId, replyId: 0, data: EMPTY });
      this.o.onEvent?.(p.sessionId, p.data);
      return;
    }
    const pending = this.pending;
    if (!pending || p.replyId !== pending.replyId) return; // a late packet of an abandoned request
    pending.timer.refresh();
    let done: boolean;
    try {
      done = pending.collect(p);
    } catch (err) {
      // Collectors decode device bytes: whatever they reject is the device's protocol error, said
      // for this device and command (codec errors know neither).
      this.settle(
        err instanceof ZkError && err.device !== undefined
          ? err
          : new ZkProtocolError((err as Error).message, {
              device: this.device,
              command: commandName(pending.command),
              cause: err,
            }),
      );
      return;
    }
    if (done) this.settle();
  }

  private onCorrupt(e: ZkProtocolError): void {
    const pending = this.pending;
    if (pending) {
      this.settle(
        new ZkProtocolError(e.message, { device: this.device, command: commandName(pending.command) }),
      );
    }
  }

  /**
   * ACK_UNAUTH after the handshake: the device no longer knows this session (it restarted, or
   * evicted it). Over UDP nothing else would tell us, so end the connection as a dropped link:
   * callers reconnect, and a comm-key problem is not reported where there is none.
   */
  sessionLost(command: number): ZkNetworkError {
    const error = new ZkNetworkError("the device no longer knows this session (did it restart?): reconnect", {
      device: this.device,
      command: commandName(command),
    });
    this.onTransportClose(error);
    this.transport.close();
    return error;
  }

  private onTransportClose(error?: ZkError): void {
    if (this.closed) return; // already ended with an error (session lost): reported once
    this.closed = error ?? false;
    const pending = this.pending;
    if (pending) {
      this.settle(
        error
          ? new ZkNetworkError(error.message, {
              device: this.device,
              command: commandName(pending.command),
              cause: error,
            })
          : new ZkNetworkError("the connection was closed", {
              device: this.device,
              command: commandName(pending.command),
            }),
      );
    }
    this.o.onClose?.(error);
  }

  /** Say goodbye (best effort) and close the socket. */
  async close(): Promise<void> {
    if (this.closed === undefined && !this.pending) {
      await this.exchange(Command.EXIT).catch(() => undefined);
    }
    this.transport.close();
    this.closed ??= false;
  }
}
