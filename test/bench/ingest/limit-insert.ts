// The limit: the same rows bulk-inserted by clickhouse-client (it parses the file and sends Native
// blocks over the TCP protocol) into a fresh copy of the punches table on the same server.
import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { ClickHouseDb, lit, migrate, sql, type OpenClickHouse } from "@biometricflow/clickhouse";
import { cpuSeconds, descendantsNamed, reapedChildrenCpuSeconds } from "../proc-stats.js";
import type { LimitFile } from "./limit-file.js";

const DATABASE = "bench_limit";

export interface LimitResult {
  seconds: number;
  rowsPerSecond: number;
  /** CPU seconds of clickhouse-client and of the server during the insert. */
  clientCpu: number;
  serverCpu: number;
}

function run(command: string, args: string[], stdinFile: string): Promise<void> {
  const fd = openSync(stdinFile, "r");
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: [fd, "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.trim()}`)),
    );
  }).finally(() => closeSync(fd));
}

/** Time one bulk insert of the file into bench_limit.punches (created fresh, dropped after). */
export async function limitInsert(ch: OpenClickHouse, file: LimitFile): Promise<LimitResult> {
  if (!ch.local)
    throw new Error("the limit needs the private ClickHouse (its TCP port for clickhouse-client)");
  const db = new ClickHouseDb({ url: ch.url, database: DATABASE });
  try {
    await db.command(sql`DROP DATABASE IF EXISTS ${lit.database(DATABASE)}`);
    await migrate(db);
    const query = `INSERT INTO ${DATABASE}.punches (${file.columns.join(", ")}) FORMAT TabSeparated`;
    const servers = descendantsNamed(process.pid, "clickhouse");
    const serverCpu = (): number => servers.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpu0 = { client: reapedChildrenCpuSeconds(), server: serverCpu() };
    const started = process.hrtime.bigint();
    await run(
      "clickhouse-client",
      ["--host", "127.0.0.1", "--port", String(ch.local.tcpPort), "--query", query],
      file.path,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const clientCpu = reapedChildrenCpuSeconds() - cpu0.client;
    const serverCpuUsed = serverCpu() - cpu0.server;
    const [row] = await db.rows<{ n: string }>(sql`SELECT count() AS n FROM ${db.table("punches")}`);
    if (Number(row?.n) !== file.rows) throw new Error(`limit insert stored ${row?.n} rows of ${file.rows}`);
    return { seconds, rowsPerSecond: file.rows / seconds, clientCpu, serverCpu: serverCpuUsed };
  } finally {
    await db.command(sql`DROP DATABASE IF EXISTS ${lit.database(DATABASE)}`).catch(() => undefined);
    await db.close();
  }
}
