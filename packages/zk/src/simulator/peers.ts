import type dgram from "node:dgram";
import type net from "node:net";
import { TcpFramer } from "../protocol/index.js";
import type { Transport } from "./bulk-read.js";
import type { SimLogger } from "./logger.js";
import { createSession, type SessionState } from "./session.js";

// The device's two kinds of client: the socket-level half of DeviceServer.

/** One client as the device sees it: a TCP connection or a UDP remote address. */
export interface Peer {
  readonly transport: Transport;
  readonly name: string;
  session: SessionState;
  /** Requests answered so far (stall fault). */
  requests: number;
  /** Bulk bytes sent since the current transfer started (drop-after fault). */
  transferSent: number;
  /** Latency fault: replies never overtake each other. */
  lastDue: number;
  closed: boolean;
  write(frames: Buffer[], cut: number | undefined, after?: () => void): void;
  close(): void;
}

/** Sends a reply either all at once, or paced one packet at a time (frameGapMs). */
abstract class PacedWriter {
  private readonly queue: (Buffer | (() => void))[] = [];
  private pumping = false;

  constructor(private readonly gapMs: number | undefined) {}

  /** Write a whole reply now (the fast path). */
  protected abstract writeBurst(frames: Buffer[]): void;
  /** Write one packet; false = wait for `onDrain` before the next. */
  protected abstract writeOne(frame: Buffer, onDrain: () => void): boolean;

  protected enqueue(frames: Buffer[], after?: () => void): void {
    if (this.gapMs === undefined && this.queue.length === 0) {
      this.writeBurst(frames);
      after?.();
      return;
    }
    this.queue.push(...frames);
    if (after) this.queue.push(after);
    if (!this.pumping) this.pump();
  }

  private readonly pump = (): void => {
    this.pumping = true;
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (typeof item === "function") {
        item();
        continue;
      }
      if (this.writeOne(item, () => this.schedule())) this.schedule();
      return;
    }
    this.pumping = false;
  };

  private schedule(): void {
    if (this.gapMs === undefined || this.gapMs <= 0) setImmediate(this.pump);
    else setTimeout(this.pump, this.gapMs);
  }

  protected dropQueue(): void {
    this.queue.length = 0;
  }
}

export class TcpPeer extends PacedWriter implements Peer {
  readonly transport = "tcp";
  readonly name: string;
  readonly framer = new TcpFramer();
  session = createSession();
  requests = 0;
  transferSent = 0;
  lastDue = 0;
  closed = false;
  private waitingDrain = false;

  constructor(
    private readonly socket: net.Socket,
    gapMs: number | undefined,
    private readonly log: SimLogger,
  ) {
    super(gapMs);
    this.name = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on("error", (err) =>
      this.log.debug({ peer: this.name, err: err.message }, "tcp connection error"),
    );
  }

  write(frames: Buffer[], cut: number | undefined, after?: () => void): void {
    if (this.closed || this.socket.destroyed) return;
    if (cut === undefined) {
      this.enqueue(frames, after);
      return;
    }
    // drop-after: send exactly up to the cut (behind anything still queued), then hang up.
    this.enqueue([Buffer.concat(frames).subarray(0, cut)], () => this.close());
    this.closed = true;
  }

  protected writeBurst(frames: Buffer[]): void {
    this.writeOne(frames.length === 1 ? frames[0]! : Buffer.concat(frames), () => undefined);
  }

  protected writeOne(frame: Buffer, onDrain: () => void): boolean {
    if (this.socket.destroyed) return false;
    if (this.socket.write(frame)) return true;
    // Backpressure: stop reading requests until the client has taken the replies.
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      this.socket.pause();
      this.socket.once("drain", () => {
        this.waitingDrain = false;
        this.socket.resume();
        onDrain();
      });
    }
    return false;
  }

  /** Hang up after what was already written (reboot, drop-after). */
  close(): void {
    this.closed = true;
    this.dropQueue();
    if (this.socket.writableEnded) return;
    this.socket.end();
    this.destroySoon();
  }

  destroy(): void {
    this.closed = true;
    this.dropQueue();
    this.socket.destroy();
  }

  private destroySoon(): void {
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    timer.unref();
    this.socket.once("close", () => clearTimeout(timer));
  }
}

export class UdpPeer extends PacedWriter implements Peer {
  readonly transport = "udp";
  readonly name: string;
  session = createSession();
  requests = 0;
  transferSent = 0;
  lastDue = 0;
  closed = false;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly address: string,
    private readonly port: number,
    gapMs: number | undefined,
    private readonly log: SimLogger,
  ) {
    super(gapMs);
    this.name = `${address}:${port}`;
  }

  write(frames: Buffer[], _cut: number | undefined, after?: () => void): void {
    if (!this.closed) this.enqueue(frames, after);
  }

  /** One datagram per packet: UDP has no stream to batch into. */
  protected writeBurst(frames: Buffer[]): void {
    for (const frame of frames) this.writeOne(frame);
  }

  protected writeOne(frame: Buffer): boolean {
    this.socket.send(frame, this.port, this.address, (err) => {
      if (err) this.log.debug({ peer: this.name, err: err.message }, "udp send failed");
    });
    return true;
  }

  close(): void {
    this.closed = true;
  }
}
