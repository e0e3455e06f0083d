import { writeFileSync } from "node:fs";
import path from "node:path";
import { createChannelClient, type ChannelClient } from "@biometricflow/grpc-kit";
import { PlaceServiceDefinition, type Punch } from "@biometricflow/proto";
import { findPortRun, ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "./paths.js";

export interface PlaceDevice {
  id: string;
  serial: string;
  host: string;
  port: number;
}

export interface PlaceOptions {
  id: string;
  timezone: string;
  dir: string;
  devices: PlaceDevice[];
  pullIntervalSeconds?: number;
  logLevel?: string;
  /** Extra PLACE_* variables. */
  env?: Record<string, string>;
}

export type PlaceClient = ChannelClient<typeof PlaceServiceDefinition>["client"];

/**
 * One bf-place process on a fixed port (so a supervisor finds it again after a restart) and a
 * journal file that outlives the process.
 */
export class PlaceProcess {
  private api: ChannelClient<typeof PlaceServiceDefinition> | undefined;

  private constructor(
    readonly id: string,
    readonly address: string,
    readonly journalPath: string,
    readonly process: ServiceProcess,
    /** The JSON config file the place reads (and reloads when it changes). */
    readonly configFile: string,
  ) {}

  static async start(o: PlaceOptions): Promise<PlaceProcess> {
    // The port may be taken between the check and the place's listen: then try another one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await PlaceProcess.startOnce(o);
      } catch (err) {
        if (attempt >= 3 || !/exited \(1\)/.test((err as Error).message)) throw err;
      }
    }
  }

  private static async startOnce(o: PlaceOptions): Promise<PlaceProcess> {
    const port = await findPortRun(1);
    const configFile = path.join(o.dir, `${o.id}.json`);
    const journalPath = path.join(o.dir, `${o.id}.db`);
    writeFileSync(
      configFile,
      JSON.stringify({
        id: o.id,
        name: `e2e ${o.id}`,
        timezone: o.timezone,
        devices: o.devices.map((d) => ({
          ...d,
          pullIntervalSeconds: o.pullIntervalSeconds ?? 5,
        })),
        grpc: { host: "127.0.0.1", port },
        journal: { path: journalPath },
        commands: { timeoutSeconds: 20, longTimeoutSeconds: 60 },
      }),
    );
    const proc = new ServiceProcess({
      name: `place ${o.id}`,
      script: path.join(repoRoot, "services/place/bin/bf-place.js"),
      args: ["--config", configFile],
      env: { LOG_LEVEL: o.logLevel ?? process.env.E2E_LOG_LEVEL ?? "warn", ...o.env },
      logFile: path.join(o.dir, `place-${o.id}.log`),
    });
    const ready = (await proc.start()) as { place: string; grpc: string };
    if (ready.grpc !== `127.0.0.1:${port}`)
      throw new Error(`place ${o.id} listens on ${ready.grpc}, not ${port}`);
    return new PlaceProcess(o.id, ready.grpc, journalPath, proc, configFile);
  }

  get client(): PlaceClient {
    this.api ??= createChannelClient(PlaceServiceDefinition, this.address, { deadlineMs: 30_000 });
    return this.api.client;
  }

  async head(): Promise<number> {
    return (await this.client.getPlace({}, { deadline: 5_000 })).headOffset;
  }

  /** Start again on the same config, port and journal (after a stop or a kill -9). */
  async restart(): Promise<void> {
    this.api?.close();
    this.api = undefined;
    await this.process.start();
  }

  /** Every punch in the journal, by WatchPunches from offset 0 up to the head it reports. */
  async journal(): Promise<Punch[]> {
    const head = await this.head();
    const out: Punch[] = [];
    if (head === 0) return out;
    const abort = new AbortController();
    try {
      for await (const msg of this.client.watchPunches(
        { fromOffset: 0, maxBatch: 10_000 },
        { signal: abort.signal },
      )) {
        out.push(...msg.punches);
        if ((out.at(-1)?.offset ?? 0) >= head) break;
      }
    } finally {
      abort.abort();
    }
    return out;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.api?.close();
    this.api = undefined;
    await this.process.stop(signal);
  }
}
