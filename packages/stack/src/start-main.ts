// npm start: the whole data path on this machine — a private ClickHouse, simulated devices,
// places, a device supervisor and the aggregator — then ingest progress until Ctrl-C.
import { parseArgs } from "node:util";
import { z } from "zod";
import { startLocalStack, type LocalStack } from "./local-stack.js";
import { watchProgress } from "./progress.js";

const count = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number (${what})`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const schema = z.object({
  places: count("sites", 1, 50).default(3),
  "devices-per-place": count("devices per site", 1, 1000).default(2),
  records: count("records per device", 0, 1_000_000).default(2000),
  users: count("users per device", 1, 10_000).default(40),
  "live-rate": count("punches per minute per device", 0, 60_000).default(6),
  seed: count("seed", 0, 2 ** 31).default(1),
  "data-dir": z.string().min(1).optional(),
});

function usage(message: string): never {
  process.stderr.write(
    `npm start: ${message}\nflags: --places N --devices-per-place M --records R --users U --live-rate PER_MIN --seed S --data-dir DIR\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: "string" as const }])),
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    usage(`--${String(parsed.error.issues[0]!.path[0])}: ${parsed.error.issues[0]!.message}`);
  const o = parsed.data;

  // Signals are handled from the first moment: a Ctrl-C during start-up (or the instant READY is
  // out) stops everything started so far instead of killing this process and orphaning the rest.
  let stack: LocalStack | undefined;
  let stopProgress = (): void => undefined;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopProgress();
    if (!stack) return; // start-up is still under way: it stops what it started when it returns
    process.stderr.write("stopping everything npm start started...\n");
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  // `npm start` may be killed without passing the signal on: stop with the parent, not after it.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop();
  }, 1_000).unref();

  process.stderr.write("starting ClickHouse, simulated devices, places, supervisor and aggregator...\n");
  try {
    stack = await startLocalStack({
      places: o.places,
      devicesPerPlace: o["devices-per-place"],
      records: o.records,
      users: o.users,
      liveRate: o["live-rate"],
      seed: o.seed,
      dataDir: o["data-dir"],
      clickhouseUrl: process.env.CLICKHOUSE_URL || undefined,
    });
  } catch (err) {
    process.stderr.write(`npm start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) {
    process.stderr.write("stopping everything npm start started...\n");
    await stack.stop();
    process.exit(0);
  }
  process.stdout.write(`READY ${JSON.stringify(stack.readyJson())}\n`);
  stopProgress = watchProgress(stack, (line) => process.stdout.write(`${line}\n`));
}

void main();
