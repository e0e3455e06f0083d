import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openClickHouse } from "@biometricflow/clickhouse";
import { deviceIdentity } from "@biometricflow/zk";
import { stringify } from "yaml";
import { findPortRun } from "./free-ports.js";
import { ServiceProcess } from "./service-process.js";

const root = path.resolve(__dirname, "../../..");
const bin = (p: string) => path.join(root, p);

/** Real IANA zones, one per simulated site: device clocks run in their site's zone. */
const ZONES = [
  "Africa/Lagos",
  "Europe/Berlin",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "Europe/Lisbon",
  "Asia/Jakarta",
];

export interface LocalStackOptions {
  places: number;
  devicesPerPlace: number;
  /** Attendance records per simulated device. */
  records: number;
  users: number;
  /** New punches per minute per device. */
  liveRate: number;
  seed: number;
  /** Journals, logs and configs; a fresh temp folder by default. */
  dataDir?: string;
  /** Skip the aggregator and ClickHouse (issue-3 scope tests). */
  withoutAggregator?: boolean;
  /** A running ClickHouse to use (CLICKHOUSE_URL); without it a private one is started. */
  clickhouseUrl?: string;
}

export interface StackPlace {
  id: string;
  grpc: string;
  timezone: string;
  process: ServiceProcess;
  simulator: ServiceProcess;
  devices: { id: string; serial: string; host: string; port: number }[];
}

export interface LocalStack {
  dataDir: string;
  /** The ClickHouse in use: the given one, or the private server this stack started. */
  clickhouse?: { url: string };
  places: StackPlace[];
  supervisor: ServiceProcess;
  /** The supervisor's gRPC address (health, reflection, SupervisorService). */
  supervisorGrpc: string;
  aggregator?: { address: string; process: ServiceProcess };
  /** The READY contract of `npm start`. */
  readyJson(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Start ClickHouse, one simulator and one place per site, a supervisor and the aggregator. */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), "biometricflow-"));
  mkdirSync(path.join(dataDir, "logs"), { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const clickhouse = o.withoutAggregator
      ? undefined
      : await openClickHouse({ url: o.clickhouseUrl, local: { dataDir: path.join(dataDir, "clickhouse") } });
    if (clickhouse) started.push({ stop: () => clickhouse.close() });
    // The supervisor link hands out devices' comm keys: even locally, only our supervisor gets it.
    const linkToken = randomBytes(24).toString("hex");
    const places: StackPlace[] = [];
    for (let p = 0; p < o.places; p++) places.push(await startPlace(o, p, dataDir, started, linkToken));
    const supervisor = new ServiceProcess({
      name: "device-supervisor",
      script: bin("services/device-supervisor/bin/bf-supervisor.js"),
      env: {
        SUPERVISOR_ID: "local",
        SUPERVISOR_PLACES: places.map((pl) => pl.grpc).join(","),
        SUPERVISOR_PLACE_TOKEN: linkToken,
        SUPERVISOR_GRPC__HOST: "127.0.0.1",
        SUPERVISOR_GRPC__PORT: "0",
      },
      logFile: path.join(dataDir, "logs", "supervisor.log"),
    });
    const supervisorReady = (await supervisor.start()) as { grpc: string };
    started.push(supervisor);
    let aggregator: LocalStack["aggregator"];
    if (clickhouse) {
      const proc = new ServiceProcess({
        name: "aggregator",
        script: bin("services/aggregator/bin/bf-aggregator.js"),
        env: {
          AGGREGATOR_CLICKHOUSE__URL: clickhouse.url,
          AGGREGATOR_PLACES: JSON.stringify(places.map((pl) => ({ id: pl.id, grpc: pl.grpc }))),
          AGGREGATOR_GRPC__HOST: "127.0.0.1",
          AGGREGATOR_GRPC__PORT: "0",
        },
        logFile: path.join(dataDir, "logs", "aggregator.log"),
      });
      const ready = (await proc.start()) as { aggregator: string };
      started.push(proc);
      aggregator = { address: ready.aggregator, process: proc };
    }
    return {
      dataDir,
      clickhouse: clickhouse && { url: clickhouse.url },
      places,
      supervisor,
      supervisorGrpc: supervisorReady.grpc,
      aggregator,
      readyJson: () => ({
        clickhouse: clickhouse?.url,
        places: places.map((pl) => ({ id: pl.id, grpc: pl.grpc, timezone: pl.timezone })),
        aggregator: aggregator?.address,
        supervisor: supervisorReady.grpc,
        devices: places.flatMap((pl) =>
          pl.devices.map((d) => ({ place: pl.id, id: d.id, serial: d.serial, host: d.host, port: d.port })),
        ),
        dataDir,
      }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startPlace(
  o: LocalStackOptions,
  p: number,
  dataDir: string,
  started: { stop(): Promise<void> }[],
  linkToken: string,
): Promise<StackPlace> {
  const id = `site-${p + 1}`;
  const timezone = ZONES[p % ZONES.length]!;
  const seed = o.seed + p;
  const basePort = await findPortRun(o.devicesPerPlace);
  const simulator = new ServiceProcess({
    name: `zk-sim ${id}`,
    script: bin("packages/zk/bin/zk-sim.js"),
    args: [
      "--port",
      String(basePort),
      "--devices",
      String(o.devicesPerPlace),
      "--users",
      String(o.users),
      "--records",
      String(o.records),
      "--seed",
      String(seed),
      "--live-rate",
      String(o.liveRate),
      "--state-dir",
      path.join(dataDir, "devices", id),
    ],
    // The simulated clocks show the site's local time, as real devices on site do.
    env: { TZ: timezone },
    logFile: path.join(dataDir, "logs", `zk-sim-${id}.log`),
  });
  await simulator.start();
  started.push(simulator);
  const devices = Array.from({ length: o.devicesPerPlace }, (_, i) => ({
    id: `${id}-dev-${i + 1}`,
    serial: deviceIdentity(seed, i).serialNumber,
    host: "127.0.0.1",
    port: basePort + i,
  }));
  const configFile = path.join(dataDir, `${id}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      id,
      name: `Simulated site ${p + 1}`,
      timezone,
      devices: devices.map((d) => ({
        id: d.id,
        serial: d.serial,
        host: d.host,
        port: d.port,
        pullIntervalSeconds: 30,
      })),
      grpc: { host: "127.0.0.1", port: 0 },
      journal: { path: `${id}.db` },
    }),
  );
  const proc = new ServiceProcess({
    name: `place ${id}`,
    script: bin("services/place/bin/bf-place.js"),
    args: ["--config", configFile],
    env: { PLACE_SUPERVISOR_LINK__TOKEN: linkToken },
    logFile: path.join(dataDir, "logs", `place-${id}.log`),
  });
  const ready = (await proc.start()) as { grpc: string };
  started.push(proc);
  return { id, grpc: ready.grpc, timezone, process: proc, simulator, devices };
}
