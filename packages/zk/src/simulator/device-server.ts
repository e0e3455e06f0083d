import dgram from "node:dgram";
import net from "node:net";
import {
  Command,
  TCP_WRAPPER_SIZE,
  HEADER_SIZE,
  decodePacket,
  encodePacket,
  encodeTcpFrame,
  type AttendanceRecord,
  type ZkPacket,
} from "../protocol/index.js";
import type {
  CorruptRecordInput,
  DeviceChange,
  DeviceState,
  PlantedRecord,
  PunchInput,
} from "./device-state.js";
import { FaultCounters, corruptChecksum, formatFaultPlan, parseFaultSpec, type FaultPlan } from "./faults.js";
import { silentLogger, type SimLogger } from "./logger.js";
import { TcpPeer, UdpPeer, type Peer } from "./peers.js";
import { attLogEvent, handleRequest, type Outcome } from "./session.js";

export interface DeviceServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** TCP and UDP share it; 0 (default) picks a free one. */
  port?: number;
  /** Also answer on UDP (default true). */
  udp?: boolean;
  faults?: string | FaultPlan;
  logger?: SimLogger;
  /** Drop packets whose checksum is wrong, silently (default true); false answers them anyway. */
  dropBadChecksum?: boolean;
  /** ACK_UNAUTH for packets naming another session id (default true). */
  strictSessionId?: boolean;
  /**
   * Unset (default): each reply goes out in one write, as fast as the host allows. A number
   * paces multi-packet replies like an embedded device, one packet per write with this many ms
   * between (0 = yield to the event loop). Clients that assume one packet per read (node-zklib's
   * chunked read) need pacing.
   */
  frameGapMs?: number;
  /** How long the device is unreachable after a reboot (default 0). */
  rebootDowntimeMs?: number;
  /** UDP sessions kept, oldest evicted first (default 256). */
  maxUdpSessions?: number;
}

const EMPTY_PLAN: FaultPlan = {};

/**
 * The I/O shell around one simulated terminal: TCP (framed) and UDP on the same port, one
 * session per TCP connection, UDP sessions keyed by remote address. Protocol decisions are made
 * by the pure `handleRequest`; this class only moves bytes, applies faults and pushes events.
 */
export class DeviceServer {
  readonly host: string;
  private readonly requestedPort: number;
  private boundPort = 0;
  private readonly log: SimLogger;
  private readonly options: DeviceServerOptions;
  private tcp: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  private readonly tcpPeers = new Set<TcpPeer>();
  private readonly udpPeers = new Map<string, UdpPeer>();
  private readonly counters = new FaultCounters();
  private rebootTimer: NodeJS.Timeout | undefined;
  private downUntil = 0;
  private readonly unsubscribe: () => void;
  private readonly closeHooks: (() => void | Promise<void>)[] = [];

  constructor(
    readonly state: DeviceState,
    options: DeviceServerOptions = {},
  ) {
    this.options = options;
    this.host = options.host ?? "127.0.0.1";
    this.requestedPort = options.port ?? 0;
    this.log = options.logger ?? silentLogger;
    this.unsubscribe = state.onChange((change) => this.onDeviceChange(change));
    if (options.faults !== undefined) this.setFaults(options.faults);
  }

  get port(): number {
    return this.boundPort;
  }

  /** "host:port" */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  get connectionCount(): number {
    return this.tcpPeers.size;
  }

  /** Bind TCP and UDP on the same port. With port 0, retries if UDP finds the TCP port taken. */
  async listen(): Promise<this> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(this.requestedPort);
        return this;
      } catch (err) {
        await this.closeSockets();
        const retry = this.requestedPort === 0 && (err as NodeJS.ErrnoException).code === "EADDRINUSE";
        if (!retry || attempt >= 5) throw err;
      }
    }
  }

  private async bind(port: number): Promise<void> {
    const tcp = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen({ port, host: this.host, backlog: 128 }, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
    tcp.on("error", (err) => this.log.warn({ device: this.address, err: err.message }, "tcp server error"));
    this.boundPort = (tcp.address() as net.AddressInfo).port;
    if (this.options.udp === false) return;
    const udp = dgram.createSocket(net.isIPv6(this.host) ? "udp6" : "udp4");
    this.udp = udp;
    udp.on("message", (msg, rinfo) => this.onDatagram(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.boundPort, this.host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    udp.on("error", (err) => this.log.warn({ device: this.address, err: err.message }, "udp socket error"));
  }

  // ---- faults ----

  get faults(): FaultPlan {
    return this.counters.plan;
  }

  get faultSpec(): string {
    return formatFaultPlan(this.counters.plan);
  }

  /** Replace the fault plan (a spec string or a plan); a clock jump applies now, once. */
  setFaults(faults: string | FaultPlan): void {
    const plan = typeof faults === "string" ? parseFaultSpec(faults) : { ...faults };
    this.counters.reset(plan);
    if (this.rebootTimer) clearInterval(this.rebootTimer);
    this.rebootTimer = undefined;
    if (plan.rebootEverySeconds) {
      this.rebootTimer = setInterval(() => this.reboot(), plan.rebootEverySeconds * 1000);
      this.rebootTimer.unref();
    }
    if (plan.clockJumpSeconds) this.state.shiftClock(plan.clockJumpSeconds);
    this.log.debug({ device: this.address, faults: formatFaultPlan(plan) }, "faults set");
  }

  clearFaults(): void {
    this.setFaults(EMPTY_PLAN);
  }

  // ---- device actions ----

  /** Someone punches at the terminal; registered sessions get the live event. */
  punch(input?: PunchInput): AttendanceRecord {
    return this.state.addPunch(input);
  }

  /** A record no client can decode (an impossible time), appended or in place of record `index`. */
  plantCorruptRecord(input?: CorruptRecordInput): PlantedRecord {
    return this.state.plantCorruptRecord(input);
  }

  /** Reboot: every session ends, event registrations are forgotten, data stays. */
  reboot(downtimeMs = this.options.rebootDowntimeMs ?? 0): void {
    this.downUntil = Date.now() + downtimeMs;
    this.state.reboot();
  }

  private get down(): boolean {
    return this.counters.plan.refuse === true || Date.now() < this.downUntil;
  }

  private onDeviceChange(change: DeviceChange): void {
    if (change.kind === "reboot") {
      this.log.info({ device: this.address }, "reboot");
      for (const peer of this.tcpPeers) peer.close();
      for (const peer of this.udpPeers.values()) peer.close();
      this.udpPeers.clear();
    } else if (change.kind === "punch") {
      for (const peer of this.tcpPeers) this.pushEvent(peer, change.record);
      for (const peer of this.udpPeers.values()) this.pushEvent(peer, change.record);
    }
  }

  private pushEvent(peer: Peer, record: AttendanceRecord): void {
    const event = attLogEvent(this.state, peer.session, record);
    if (event) this.deliver(peer, [event]);
  }

  // ---- requests ----

  private accept(socket: net.Socket): void {
    if (this.down) {
      socket.destroy();
      return;
    }
    const peer = new TcpPeer(socket, this.options.frameGapMs, this.log);
    this.tcpPeers.add(peer);
    socket.on("close", () => this.tcpPeers.delete(peer));
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = peer.framer.push(chunk);
      } catch (err) {
        this.log.debug(
          { device: this.address, peer: peer.name, err: (err as Error).message },
          "malformed frame",
        );
        peer.closed = true;
        socket.destroy();
        return;
      }
      for (const frame of frames) if (!peer.closed) this.onPacket(peer, frame);
    });
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.down || !this.udp) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let peer = this.udpPeers.get(key);
    if (!peer) {
      peer = new UdpPeer(this.udp, rinfo.address, rinfo.port, this.options.frameGapMs, this.log);
      // Only a CONNECT creates a lasting session; anything else is answered statelessly.
      if (msg.length >= 2 && msg.readUInt16LE(0) === Command.CONNECT) this.rememberUdp(key, peer);
    }
    this.onPacket(peer, msg);
  }

  private rememberUdp(key: string, peer: UdpPeer): void {
    this.udpPeers.set(key, peer);
    const max = this.options.maxUdpSessions ?? 256;
    for (const oldest of this.udpPeers.keys()) {
      if (this.udpPeers.size <= max) break;
      this.udpPeers.delete(oldest);
    }
  }

  private onPacket(peer: Peer, raw: Buffer): void {
    const stallAfter = this.counters.plan.stallAfter;
    if (stallAfter !== undefined && peer.requests >= stallAfter) return;
    let request: ZkPacket;
    try {
      request = decodePacket(raw, { verifyChecksum: this.options.dropBadChecksum !== false });
    } catch (err) {
      this.log.debug(
        { device: this.address, peer: peer.name, err: (err as Error).message },
        "packet dropped",
      );
      return;
    }
    peer.requests++;
    let outcome: Outcome;
    try {
      outcome = handleRequest(this.state, peer.session, request, {
        transport: peer.transport,
        strictSessionId: this.options.strictSessionId,
      });
    } catch (err) {
      // Not a protocol matter (e.g. a corrupt state file on first load): hang up, keep serving others.
      this.log.warn({ device: this.address, peer: peer.name, err: (err as Error).message }, "request failed");
      peer.close();
      return;
    }
    if (outcome.bulkStart) peer.transferSent = 0;
    if (outcome.exit && peer.transport === "udp") this.udpPeers.delete(peer.name); // closed only after the ACK
    const after = outcome.reboot ? () => this.reboot() : undefined;
    this.deliver(peer, outcome.replies, after);
  }

  /** Encode, apply packet faults and latency, then write. */
  private deliver(peer: Peer, packets: ZkPacket[], after?: () => void): void {
    if (packets.length === 0 || peer.closed) return;
    const tcp = peer.transport === "tcp";
    const frames = packets.map((p) => {
      const frame = tcp ? encodeTcpFrame(p) : encodePacket(p);
      if (this.counters.corruptNext()) corruptChecksum(frame, tcp ? TCP_WRAPPER_SIZE : 0);
      return frame;
    });
    let cut: number | undefined;
    if (tcp) {
      const sizes = frames.map((f, i) => ({
        wire: f.length,
        dataBytes: packets[i]!.command === Command.DATA ? packets[i]!.data.length : 0,
      }));
      cut = this.counters.dropCut(peer.transferSent, sizes, TCP_WRAPPER_SIZE + HEADER_SIZE);
      for (const s of sizes) peer.transferSent += s.dataBytes;
      if (cut !== undefined)
        this.log.debug({ device: this.address, peer: peer.name, cut }, "drop-after fault");
    }
    const latency = this.counters.plan.latencyMs ?? 0;
    if (latency <= 0 && peer.lastDue <= Date.now()) {
      peer.write(frames, cut, after);
      return;
    }
    const now = Date.now();
    const due = Math.max(now + latency, peer.lastDue);
    peer.lastDue = due;
    setTimeout(() => peer.write(frames, cut, after), due - now);
  }

  /** Run `hook` when the device closes (live punch timers, state persistence). */
  onClose(hook: () => void | Promise<void>): void {
    this.closeHooks.push(hook);
  }

  /** Stop listening, end every connection, and wait for the close hooks (pending state writes). */
  async close(): Promise<void> {
    this.unsubscribe();
    if (this.rebootTimer) clearInterval(this.rebootTimer);
    this.rebootTimer = undefined;
    for (const peer of this.tcpPeers) peer.destroy();
    this.udpPeers.clear();
    await this.closeSockets();
    for (const hook of this.closeHooks.splice(0)) await hook();
  }

  private async closeSockets(): Promise<void> {
    const tcp = this.tcp;
    const udp = this.udp;
    this.tcp = undefined;
    this.udp = undefined;
    await Promise.all([
      tcp?.listening ? new Promise<void>((resolve) => tcp.close(() => resolve())) : undefined,
      udp ? closeUdp(udp) : undefined,
    ]);
  }
}

function closeUdp(udp: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      udp.close(() => resolve());
    } catch {
      resolve(); // never bound, or already closed
    }
  });
}
