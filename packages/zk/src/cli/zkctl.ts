import { z } from "zod";
import { ZkClient } from "../client/index.js";
import { Privilege, privilegeName, type AttLogEvent, type ZkUser } from "../protocol/index.js";
import { flag, parseFlags, validate } from "./args.js";
import { UsageError } from "./cli-error.js";
import {
  printAttendance,
  printInfo,
  printUnreadable,
  printUsers,
  progressBar,
  type Output,
} from "./zkctl-output.js";
import { localWallClockNow } from "./wall-clock-now.js";

export const ZKCTL_HELP = `usage: zkctl <command> --host H --port P [--comm-key K] [--udp] [--timeout MS] [--json]

commands:
  info               serial, firmware, platform, name, MAC, counts, capacities, clock
  users              users enrolled on the device
  attendance         the whole attendance log (records that cannot be read are named on stderr)
  time               the device clock
  set-time           set the device clock [--time YYYY-MM-DDTHH:mm:ss] (default: this computer's local time)
  add-user           --uid N --user-id ID --name NAME [--privilege user|admin] [--card N] [--password S]
  delete-user        --uid N
  clear-attendance   delete every punch on the device (read them first!)
  live               print realtime punches until interrupted (Ctrl-C)

options:
  --host H           device address (required)
  --port P           device port (default 4370)
  --comm-key K       the device's comm key (password), when it has one
  --udp              talk UDP instead of TCP (older firmware)
  --timeout MS       per-request timeout in milliseconds (default 5000)
  --json             machine-readable output
`;

const COMMANDS = [
  "info",
  "users",
  "attendance",
  "time",
  "set-time",
  "add-user",
  "delete-user",
  "clear-attendance",
  "live",
] as const;

const common = z.object({
  host: flag.host(),
  port: flag.port().default(4370),
  commKey: flag.commKey(),
  udp: z.boolean().default(false),
  timeout: flag.int("milliseconds", 100, 600_000).default(5000),
  json: z.boolean().default(false),
});

const addUser = z.object({
  uid: flag.int("the device slot", 1, 65535),
  userId: z.string({ error: "is required: the badge/PIN, e.g. --user-id 1001" }).min(1, "must not be empty"),
  name: z.string({ error: "is required, e.g. --name 'Ana Lima'" }),
  privilege: z.enum(["user", "admin"], { error: "must be user or admin" }).default("user"),
  card: flag.int("a card number", 0, 0xffffffff).default(0),
  password: z.string().default(""),
});

const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  "comm-key": { type: "string" },
  udp: { type: "boolean" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  time: { type: "string" },
  uid: { type: "string" },
  "user-id": { type: "string" },
  name: { type: "string" },
  privilege: { type: "string" },
  card: { type: "string" },
  password: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function camel(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k.replace(/-(.)/g, (_, c: string) => c.toUpperCase()), v]),
  );
}

/** Flags that only some commands take; anything else given to them is a mistake worth saying. */
const EXTRA: Record<(typeof COMMANDS)[number], string[]> = {
  info: [],
  users: [],
  attendance: [],
  time: [],
  "set-time": ["time"],
  "add-user": ["uid", "userId", "name", "privilege", "card", "password"],
  "delete-user": ["uid"],
  "clear-attendance": [],
  live: [],
};

export async function zkctl(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, true);
  if (values.help || positionals.length === 0) {
    out.stdout(ZKCTL_HELP);
    return values.help ? 0 : 2;
  }
  const command = positionals[0] as (typeof COMMANDS)[number];
  if (!COMMANDS.includes(command))
    throw new UsageError(`unknown command "${positionals[0]}"; one of: ${COMMANDS.join(", ")}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const all = camel(values);
  const extra = Object.keys(all).filter(
    (k) => !(k in common.shape) && k !== "help" && !EXTRA[command].includes(k),
  );
  if (extra.length)
    throw new UsageError(
      `${command} does not take --${extra[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    );
  const o = validate(common, all);

  const client = new ZkClient({
    host: o.host,
    port: o.port,
    transport: o.udp ? "udp" : "tcp",
    commKey: o.commKey,
    timeoutMs: o.timeout,
  });
  client.on("warning", (message) => out.stderr(`zkctl: warning: ${message}\n`));
  await client.connect();
  try {
    return await run(command, client, all, o.json, out);
  } finally {
    await client.disconnect();
  }
}

async function run(
  command: (typeof COMMANDS)[number],
  client: ZkClient,
  all: Record<string, unknown>,
  json: boolean,
  out: Output,
) {
  switch (command) {
    case "info":
      printInfo(await client.getInfo(), json, out);
      return 0;
    case "users":
      printUsers(await client.getUsers(), json, out);
      return 0;
    case "attendance": {
      const bar = json || !out.isTTY ? undefined : progressBar(out);
      try {
        const log = await client.getAttendanceLog({ onProgress: bar?.update });
        bar?.stop();
        printAttendance(log.records, json, out);
        // The readable records are printed; the others are named, with their bytes, on stderr.
        if (log.unreadable.length > 0) printUnreadable(log, out);
      } finally {
        bar?.stop();
      }
      return 0;
    }
    case "time": {
      const time = await client.getTime();
      out.stdout(json ? `${JSON.stringify({ time })}\n` : `${time}\n`);
      return 0;
    }
    case "set-time": {
      const { time } = validate(z.object({ time: z.string().optional() }), all);
      const target = time ?? localWallClockNow();
      await client.setTime(target.replace(" ", "T"));
      out.stdout(
        json
          ? `${JSON.stringify({ time: await client.getTime() })}\n`
          : `device clock set to ${await client.getTime()}\n`,
      );
      return 0;
    }
    case "add-user": {
      const u = validate(addUser, all);
      const user: ZkUser = {
        uid: u.uid,
        userId: u.userId,
        name: u.name,
        privilege: Privilege[u.privilege],
        card: u.card,
        password: u.password,
        group: 1,
      };
      await client.setUser(user);
      const stored = (await client.getUsers()).find((x) => x.uid === u.uid);
      const shown = stored && {
        uid: stored.uid,
        userId: stored.userId,
        name: stored.name,
        privilege: privilegeName(stored.privilege),
        card: stored.card,
      };
      out.stdout(json ? `${JSON.stringify(shown)}\n` : `user ${u.uid} (${u.userId}) saved\n`);
      return 0;
    }
    case "delete-user": {
      const { uid } = validate(z.object({ uid: flag.int("the device slot", 1, 65535) }), all);
      const exists = (await client.getUsers()).some((x) => x.uid === uid);
      if (!exists)
        throw new UsageError(`no user in slot ${uid} on ${client.device}; list them with zkctl users`);
      await client.deleteUser(uid);
      out.stdout(json ? `${JSON.stringify({ deleted: uid })}\n` : `user ${uid} deleted\n`);
      return 0;
    }
    case "clear-attendance": {
      const before = (await client.getSizes()).records;
      await client.clearAttendance();
      out.stdout(
        json ? `${JSON.stringify({ cleared: before })}\n` : `${before} attendance records cleared\n`,
      );
      return 0;
    }
    case "live":
      return live(client, json, out);
  }
}

function live(client: ZkClient, json: boolean, out: Output): Promise<number> {
  return new Promise((resolve, reject) => {
    const print = (e: AttLogEvent): void =>
      out.stdout(
        json
          ? `${JSON.stringify({ device: client.device, ...e })}\n`
          : `${e.timestamp}  ${e.userId}  verify=${e.verify} punch=${e.punch}\n`,
      );
    client.on("attendance", print);
    client.on("close", (error) => (error ? reject(error) : resolve(0)));
    const stop = (): void => resolve(0);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    client.startLive().then(() => {
      if (!json) out.stderr(`listening to ${client.device}; Ctrl-C to stop\n`);
    }, reject);
  });
}
