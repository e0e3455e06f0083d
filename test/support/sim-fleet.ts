import path from "node:path";
import { ServiceProcess } from "@biometricflow/stack";
import { ZkClient, type AttendanceRecord, type DecodedAttendanceLog, type ZkUser } from "@biometricflow/zk";
import { repoRoot } from "./paths.js";
import { findPortRun } from "./ports.js";

export interface SimFleetOptions {
  /** Name in logs, e.g. "site-a". */
  name: string;
  /** Folder for the log file (and device state with `keepState`). */
  dir: string;
  devices: number;
  records: number;
  users?: number;
  seed: number;
  /** New punches per minute per device (default 0: the log changes only when a test punches). */
  liveRate?: number;
  /** --fault for every device of the process. */
  fault?: string;
  /** IANA zone the simulated clocks show (the site's zone). */
  timezone: string;
  /** Keep users and logs across a zk-sim restart (--state-dir). */
  keepState?: boolean;
  /** Log positions of every device to corrupt at start (--corrupt-records): no client can read them. */
  corruptRecords?: number[];
  readyTimeoutMs?: number;
}

export interface SimDevice {
  index: number;
  host: string;
  port: number;
  serial: string;
}

/** What the control API says about one device. */
export interface SimDeviceInfo {
  serialNumber: string;
  enabled: boolean;
  clock: string;
  faults: string;
  connections: number;
  users: number;
  records: number;
}

/** A record as POST /devices/I/punch returns it. */
export interface SimPunch {
  uid: number;
  userId: string;
  timestamp: string;
  verify: number;
  punch: number;
}

/**
 * One zk-sim process (a few simulated terminals) with its control API, driven from the test
 * process as an operator would: HTTP for the simulator's own controls, the ZK client for what a
 * device holds.
 */
export class SimFleet {
  private constructor(
    readonly process: ServiceProcess,
    readonly devices: SimDevice[],
    readonly controlUrl: string,
  ) {}

  static async start(o: SimFleetOptions): Promise<SimFleet> {
    // A port of the range may be taken between the check and zk-sim's listen: try another range.
    for (let attempt = 1; ; attempt++) {
      try {
        return await SimFleet.startOnce(o);
      } catch (err) {
        if (attempt >= 3 || !/exited \(2\)/.test((err as Error).message)) throw err;
      }
    }
  }

  private static async startOnce(o: SimFleetOptions): Promise<SimFleet> {
    // Devices on base..base+n-1 (TCP and UDP), the control API just after them.
    const base = await findPortRun(o.devices + 1);
    const controlPort = base + o.devices;
    const args = [
      ...["--port", String(base), "--devices", String(o.devices), "--records", String(o.records)],
      ...["--users", String(o.users ?? 40), "--seed", String(o.seed), "--control-port", String(controlPort)],
      ...(o.liveRate ? ["--live-rate", String(o.liveRate)] : []),
      ...(o.fault ? ["--fault", o.fault] : []),
      ...(o.corruptRecords?.length ? ["--corrupt-records", o.corruptRecords.join(",")] : []),
      ...(o.keepState ? ["--state-dir", path.join(o.dir, `devices-${o.name}`)] : []),
    ];
    const proc = new ServiceProcess({
      name: `zk-sim ${o.name}`,
      script: path.join(repoRoot, "packages/zk/bin/zk-sim.js"),
      args,
      env: { TZ: o.timezone },
      logFile: path.join(o.dir, `zk-sim-${o.name}.log`),
      readyTimeoutMs: o.readyTimeoutMs ?? 60_000,
    });
    await proc.start();
    const controlUrl = `http://127.0.0.1:${controlPort}`;
    const listed = (await control(controlUrl, "GET", "/devices")) as (SimDevice & { serialNumber: string })[];
    const devices = listed.map((d) => ({
      index: d.index,
      host: d.host,
      port: d.port,
      serial: d.serialNumber,
    }));
    return new SimFleet(proc, devices, controlUrl);
  }

  device(i: number): SimDevice {
    const d = this.devices[i];
    if (!d) throw new Error(`no simulated device ${i}`);
    return d;
  }

  info(i: number): Promise<SimDeviceInfo> {
    return control(this.controlUrl, "GET", `/devices/${i}`) as Promise<SimDeviceInfo>;
  }

  /** A punch on the keypad, now (or at `timestamp`); answers the stored record. */
  punch(
    i: number,
    body: { userId?: string; punch?: number; verify?: number; timestamp?: string } = {},
  ): Promise<SimPunch> {
    return control(this.controlUrl, "POST", `/devices/${i}/punch`, body) as Promise<SimPunch>;
  }

  /** A record with an impossible time appended to device i's log (no live event), or in place of `index`. */
  corruptRecord(
    i: number,
    body: { index?: number; timeValue?: number } = {},
  ): Promise<{ index: number; bytes: string }> {
    return control(this.controlUrl, "POST", `/devices/${i}/corrupt-record`, body) as Promise<{
      index: number;
      bytes: string;
    }>;
  }

  async reboot(i: number, downtimeMs?: number): Promise<void> {
    await control(
      this.controlUrl,
      "POST",
      `/devices/${i}/reboot`,
      downtimeMs === undefined ? {} : { downtimeMs },
    );
  }

  async setFaults(i: number, spec: string): Promise<void> {
    await control(this.controlUrl, "PUT", `/devices/${i}/faults`, { spec });
  }

  async clearFaults(i: number): Promise<void> {
    await control(this.controlUrl, "DELETE", `/devices/${i}/faults`);
  }

  async shiftClock(i: number, shiftSeconds: number): Promise<string> {
    return (
      (await control(this.controlUrl, "PUT", `/devices/${i}/clock`, { shiftSeconds })) as { clock: string }
    ).clock;
  }

  /** Run `work` with a ZK session of our own on device i (the supervisor keeps its own). */
  async withClient<T>(i: number, work: (client: ZkClient) => Promise<T>): Promise<T> {
    const d = this.device(i);
    const client = new ZkClient({ host: d.host, port: d.port, timeoutMs: 10_000 });
    try {
      await client.connect();
      return await work(client);
    } catch (err) {
      throw new Error(
        `ZK session with simulated device ${i} (${d.host}:${d.port}): ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      await client.disconnect().catch(() => undefined);
    }
  }

  /** Device i's whole log, read over the ZK protocol without disabling the keypad. */
  readLog(i: number): Promise<AttendanceRecord[]> {
    return this.withClient(i, (c) => c.getAttendance({ lockDevice: false }));
  }

  /** Device i's whole log, records that cannot be read included (with their positions and bytes). */
  readFullLog(i: number): Promise<DecodedAttendanceLog> {
    return this.withClient(i, (c) => c.getAttendanceLog({ lockDevice: false }));
  }

  readUsers(i: number): Promise<ZkUser[]> {
    return this.withClient(i, (c) => c.getUsers());
  }

  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    return this.process.stop(signal);
  }
}

async function control(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`zk-sim control ${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
