import { deviceIdentity, generateDeviceData } from "./data-generator.js";
import { DeviceServer, type DeviceServerOptions } from "./device-server.js";
import { DeviceState, type Capacities, type DeviceData, type FirmwareProfile } from "./device-state.js";
import { startLivePunches } from "./live-punches.js";
import { mixSeed } from "./rng.js";
import { StateStore } from "./state-store.js";

export interface StartDeviceOptions extends DeviceServerOptions {
  /** Position in a fleet: with `seed`, it fixes the device's identity and data. */
  index?: number;
  seed?: number;
  /** Generated users (default 50) and punches (default 1,000) ending at the device clock. */
  users?: number;
  records?: number;
  /** Explicit data instead of generated data. */
  data?: DeviceData;
  profile?: FirmwareProfile;
  serialNumber?: string;
  commKey?: number;
  clockOffsetSeconds?: number;
  firmware?: string;
  options?: Record<string, string>;
  capacities?: Partial<Capacities>;
  eventSize?: 12 | 32 | 36;
  /** Persist users and log here (a folder per device, by serial number). */
  stateDir?: string | StateStore;
  /** Live punches per minute (0 = none). */
  liveRatePerMin?: number;
  /** Generate/load the data at start instead of on first use (a first bulk read then measures only I/O). */
  preload?: boolean;
  /** Host clock (ms), for tests. */
  now?: () => number;
}

/**
 * One simulated terminal, listening. Its data is generated (or loaded from `stateDir`) on first
 * use, so an idle device costs two sockets and a few objects.
 */
export async function startDevice(options: StartDeviceOptions = {}): Promise<DeviceServer> {
  const index = options.index ?? 0;
  const seed = options.seed ?? 1;
  const profile = options.profile ?? "modern";
  const identity = deviceIdentity(seed, index);
  const serialNumber = options.serialNumber ?? identity.serialNumber;
  const store = typeof options.stateDir === "string" ? new StateStore(options.stateDir) : options.stateDir;
  const saved = store?.readMeta(serialNumber, profile);
  const state: DeviceState = new DeviceState({
    profile,
    serialNumber,
    options: saved?.options ?? { MAC: identity.mac, ...options.options },
    clockOffsetSeconds: saved?.clockOffsetSeconds ?? options.clockOffsetSeconds,
    commKey: options.commKey,
    firmware: options.firmware,
    capacities: options.capacities,
    eventSize: options.eventSize,
    data: () => load(),
    seed: mixSeed(seed, index, 0x5e55),
    now: options.now,
  });
  // Saved state wins; otherwise explicit data; otherwise people and punches up to the device clock.
  function load(): DeviceData {
    if (store && saved) return store.readData(serialNumber, saved);
    if (options.data) return options.data;
    return generateDeviceData({
      seed,
      deviceIndex: index,
      users: options.users ?? 50,
      records: options.records ?? 1000,
      end: state.now(),
      profile,
    });
  }
  const server = new DeviceServer(state, options);
  const stopLive = startLivePunches(state, options.liveRatePerMin ?? 0, mixSeed(seed, index), options.logger);
  server.onClose(stopLive);
  if (store) {
    const detach = store.attach(state, !saved);
    server.onClose(() => {
      detach();
      return store.flush(serialNumber);
    });
  }
  try {
    await server.listen();
    if (options.preload) state.load();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

export interface FleetOptions extends Omit<StartDeviceOptions, "index" | "port" | "serialNumber" | "data"> {
  count: number;
  /** Device i listens on basePort + i; 0 (default) lets the OS pick each port. */
  basePort?: number;
  /** Per-device overrides (profile, comm key, faults, ...). */
  perDevice?: (index: number) => Partial<StartDeviceOptions>;
  /** Devices started at once (default 100). */
  concurrency?: number;
}

export interface DeviceAddress {
  index: number;
  host: string;
  port: number;
  serialNumber: string;
}

/** N devices in one process. Each is a full DeviceServer: punch, reboot, set faults on it. */
export class Fleet {
  constructor(
    readonly devices: readonly DeviceServer[],
    private readonly store: StateStore | undefined,
  ) {}

  get size(): number {
    return this.devices.length;
  }

  device(index: number): DeviceServer {
    const device = this.devices[index];
    if (!device)
      throw new RangeError(`no device ${index}; the fleet has devices 0..${this.devices.length - 1}`);
    return device;
  }

  addresses(): DeviceAddress[] {
    return this.devices.map((d, index) => ({
      index,
      host: d.host,
      port: d.port,
      serialNumber: d.state.serialNumber,
    }));
  }

  /** Wait until every persisted change is on disk. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.close()));
    await this.store?.flush();
  }
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { count, basePort = 0, perDevice, concurrency = 100, stateDir, ...shared } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`device count must be >= 1, got ${count}`);
  if (basePort !== 0 && basePort + count - 1 > 65535) {
    throw new RangeError(`ports ${basePort}..${basePort + count - 1} do not fit below 65536`);
  }
  const store = typeof stateDir === "string" ? new StateStore(stateDir) : stateDir;
  const devices: DeviceServer[] = new Array(count);
  try {
    for (let first = 0; first < count; first += concurrency) {
      const batch: Promise<void>[] = [];
      for (let i = first; i < Math.min(count, first + concurrency); i++) {
        const port = basePort === 0 ? 0 : basePort + i;
        batch.push(
          startDevice({ ...shared, ...perDevice?.(i), index: i, port, stateDir: store }).then(
            (d) => void (devices[i] = d),
            (err: Error) => {
              throw new Error(
                `device ${i} could not listen on ${shared.host ?? "127.0.0.1"}:${port}: ${err.message}`,
              );
            },
          ),
        );
      }
      await settleAll(batch);
    }
  } catch (err) {
    await Promise.all(devices.filter(Boolean).map((d) => d.close()));
    throw err;
  }
  return new Fleet(devices, store);
}

/** Like Promise.all, but waits for every promise before rejecting, so nothing is left half-started. */
async function settleAll(promises: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
