import pino from "pino";
import { z } from "zod";
import { parseFaultSpec, startControlServer, startFleet, type Fleet } from "../simulator/index.js";
import { flag, parseFlags, validate } from "./args.js";
import { UsageError } from "./cli-error.js";

export const ZK_SIM_HELP = `usage: zk-sim --port P [--host 127.0.0.1] [--devices N] [--users U] [--records R] [--seed S]
              [--comm-key K] [--live-rate PER_MIN] [--firmware 8|6] [--state-dir DIR] [--fault SPEC]
              [--corrupt-records I[,I...]] [--control-port P] [--log-level LEVEL]

Simulated ZKTeco terminals. Device i listens on TCP and UDP port P+i. When all listen, prints
"READY host:port[,host:port...]" and serves until SIGINT/SIGTERM or until the process that
started it is gone.

  --devices N        devices (default 1)
  --users U          users per device (default 50)
  --records R        attendance records per device (default 1000)
  --seed S           seed of the generated people and punches (default 1)
  --comm-key K       devices require this comm key
  --live-rate N      new punches per minute per device, sent to realtime listeners (default 0)
  --firmware 8|6     8: modern (72-byte users, 40-byte records); 6: old (28-byte users, 16-byte records)
  --state-dir DIR    keep each device's users and log across restarts
  --fault SPEC       comma-separated faults: latency=MS, drop-after=BYTES[:always], corrupt-checksum=N,
                     stall=N, refuse, reboot=SECONDS, clock-jump=[+|-]SECONDS
  --corrupt-records I[,I...]
                     corrupt these positions (0 = oldest) of every device's log: an impossible time
                     (Feb 31) that no client can decode, as flash corruption leaves one
  --control-port P   HTTP control API for tests (GET /devices, POST /devices/I/punch|reboot|corrupt-record,
                     PUT /devices/I/faults)
  --log-level L      fatal, error, warn (default), info, debug
`;

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  devices: { type: "string" },
  users: { type: "string" },
  records: { type: "string" },
  seed: { type: "string" },
  "comm-key": { type: "string" },
  "live-rate": { type: "string" },
  firmware: { type: "string" },
  "state-dir": { type: "string" },
  fault: { type: "string" },
  "corrupt-records": { type: "string" },
  "control-port": { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const schema = z.object({
  port: flag.port(),
  host: z.string().min(1).default("127.0.0.1"),
  devices: flag.int("how many devices", 1, 20_000).default(1),
  users: flag.int("users per device", 0, 65_534).default(50),
  records: flag.int("records per device", 0, 10_000_000).default(1000),
  seed: flag.int("a whole number", 0, 0xffffffff).default(1),
  "comm-key": flag.commKey(),
  "live-rate": flag.int("punches per minute", 0, 600_000).default(0),
  firmware: z.enum(["8", "6"], { error: "must be 8 (modern) or 6 (old)" }).default("8"),
  "state-dir": z.string().min(1).optional(),
  fault: z.string().optional(),
  "corrupt-records": z
    .string()
    .regex(/^\d+(,\d+)*$/, "must be record positions, e.g. 10 or 10,250 (0 = the oldest record)")
    .transform((s) => s.split(",").map(Number))
    .optional(),
  "control-port": flag.port().optional(),
  "log-level": z.enum(["fatal", "error", "warn", "info", "debug"]).default("warn"),
});

/** Start the fleet; resolves once it is stopped by a signal. */
export async function zkSim(argv: string[], stdout: (line: string) => void): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    stdout(ZK_SIM_HELP);
    return 0;
  }
  const o = validate(schema, values);
  if (o.port + o.devices - 1 > 65535) {
    throw new UsageError(
      `--port ${o.port} with --devices ${o.devices} needs ports up to ${o.port + o.devices - 1}; the last port is 65535`,
    );
  }
  if (o.fault) {
    try {
      parseFaultSpec(o.fault);
    } catch (err) {
      throw new UsageError(`--fault: ${(err as Error).message}`);
    }
  }
  const logger = pino({ name: "zk-sim", level: o["log-level"] }, pino.destination({ fd: 2, sync: false }));
  let fleet: Fleet;
  try {
    fleet = await startFleet({
      count: o.devices,
      basePort: o.port,
      host: o.host,
      users: o.users,
      records: o.records,
      seed: o.seed,
      commKey: o["comm-key"],
      liveRatePerMin: o["live-rate"],
      profile: o.firmware === "6" ? "old" : "modern",
      stateDir: o["state-dir"],
      faults: o.fault,
      logger,
      // READY means every device can answer a full pull at once, data included.
      preload: true,
    });
  } catch (err) {
    const message = (err as Error).message;
    const hint = /EADDRINUSE/.test(message)
      ? " (a port is in use: pick another --port)"
      : /EMFILE/.test(message)
        ? " (too many open files: split the fleet across processes)"
        : "";
    throw new UsageError(`${message}${hint}`);
  }
  for (const index of o["corrupt-records"] ?? []) {
    for (const device of fleet.devices) {
      try {
        device.plantCorruptRecord({ index });
      } catch (err) {
        await fleet.close();
        throw new UsageError(`--corrupt-records: ${(err as Error).message}`);
      }
    }
  }
  const control =
    o["control-port"] === undefined
      ? undefined
      : await startControlServer(fleet.devices, { host: o.host, port: o["control-port"], logger });
  stdout(
    `READY ${fleet
      .addresses()
      .map((a) => `${a.host}:${a.port}`)
      .join(",")}\n`,
  );
  if (control) logger.info({ url: control.url }, "control API listening");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    // `npx zk-sim` runs it under `sh -c`, which a signal to npx kills without passing it on: a
    // simulator whose parent is gone would hold its ports for good. Reparented means stop.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid === parent) return;
      logger.warn({ parent }, "the process that started zk-sim is gone; stopping");
      resolve();
    }, 1_000).unref();
  });
  await control?.close();
  await fleet.close();
  return 0;
}
