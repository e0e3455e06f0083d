import dgram from "node:dgram";
import net from "node:net";
import {
  decodePacket,
  encodePacket,
  encodeTcpFrame,
  TcpFramer,
  ZkError,
  ZkNetworkError,
  ZkProtocolError,
  ZkTimeoutError,
  type ZkPacket,
} from "../protocol/index.js";

export type TransportKind = "tcp" | "udp";

export interface TransportHandlers {
  onPacket(packet: ZkPacket): void;
  /** A packet that failed its checksum: the stream stays aligned, so the caller decides. */
  onCorrupt(error: ZkProtocolError): void;
  /** The link is gone; `error` is undefined after a close we asked for. */
  onClose(error?: ZkError): void;
}

/** Moves ZK packets over one socket: TCP with the 8-byte wrapper, or UDP datagrams. */
export interface Transport {
  readonly kind: TransportKind;
  /** Chunk size for READ_BUFFER on this transport (fact sheet §6.1). */
  readonly readChunk: number;
  send(packet: ZkPacket): void;
  close(): void;
}

export interface TransportOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  handlers: TransportHandlers;
}

function networkError(err: NodeJS.ErrnoException, device: string): ZkNetworkError {
  const hint =
    err.code === "ECONNREFUSED"
      ? "connection refused: is the device on and is the port right (usually 4370)?"
      : err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH"
        ? "host unreachable: check the address and the network path"
        : err.code === "ENOTFOUND" || err.code === "EAI_AGAIN"
          ? "host name not found: check the address"
          : err.code === "ECONNRESET" || err.code === "EPIPE"
            ? "the device closed the connection"
            : err.message;
  return new ZkNetworkError(hint, { device, cause: err });
}

export function openTcp(o: TransportOptions): Promise<Transport> {
  const device = `${o.host}:${o.port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
    const framer = new TcpFramer();
    let open = false;
    let closedByUs = false;
    let failure: ZkError | undefined;
    const timer = setTimeout(() => {
      failure = new ZkTimeoutError(
        `no TCP connection within ${o.connectTimeoutMs} ms: is the device reachable?`,
        {
          device,
        },
      );
      socket.destroy();
    }, o.connectTimeoutMs);

    socket.on("connect", () => {
      clearTimeout(timer);
      open = true;
      resolve({
        kind: "tcp",
        readChunk: 0xffc0,
        send: (p) => {
          socket.write(encodeTcpFrame(p));
        },
        close: () => {
          closedByUs = true;
          socket.destroy();
        },
      });
    });
    socket.on("data", (chunk) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        // A broken stream cannot be re-aligned: drop the connection with a typed error.
        failure = new ZkProtocolError((err as Error).message, { device });
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        let packet: ZkPacket;
        try {
          packet = decodePacket(frame);
        } catch (err) {
          o.handlers.onCorrupt(new ZkProtocolError((err as Error).message, { device }));
          continue;
        }
        o.handlers.onPacket(packet);
      }
    });
    socket.on("error", (err) => {
      failure ??= networkError(err, device);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (!open) {
        reject(failure ?? new ZkNetworkError("connection closed before it opened", { device }));
        return;
      }
      o.handlers.onClose(
        closedByUs
          ? undefined
          : (failure ?? new ZkNetworkError("the device closed the connection", { device })),
      );
    });
  });
}

export function openUdp(o: TransportOptions): Promise<Transport> {
  const device = `${o.host}:${o.port}`;
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(o.host) ? "udp6" : "udp4");
    let open = false;
    let closedByUs = false;
    socket.on("message", (msg) => {
      let packet: ZkPacket;
      try {
        packet = decodePacket(msg);
      } catch (err) {
        o.handlers.onCorrupt(new ZkProtocolError((err as Error).message, { device }));
        return;
      }
      o.handlers.onPacket(packet);
    });
    socket.on("error", (err) => {
      if (!open) reject(networkError(err, device));
      else if (!closedByUs) o.handlers.onClose(networkError(err, device));
      socket.close();
    });
    socket.connect(o.port, o.host, () => {
      open = true;
      resolve({
        kind: "udp",
        readChunk: 16384,
        send: (p) => socket.send(encodePacket(p)),
        close: () => {
          closedByUs = true;
          try {
            socket.close();
          } catch {
            // already closed
          }
        },
      });
    });
  });
}
