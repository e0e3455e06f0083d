// The private-server launcher: config rewriting, start/stop, restart on the same data, and no
// server outliving the process that started it.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ClickHouseDb } from "../src/clickhouse-db.js";
import { ClickHouseNotInstalledError, findServer } from "../src/launcher/find-server.js";
import { startLocalClickHouse } from "../src/launcher/local-clickhouse.js";
import { serverConfigXml } from "../src/launcher/server-config.js";
import { sql } from "../src/sql-literal.js";
import { eventually } from "../../../test/support/poll.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const onlyLocal = process.env.CLICKHOUSE_URL ? test.skip : test;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

test("config: paths under the directory, only our ports, loopback only", () => {
  const xml = serverConfigXml({ dir: "/tmp/x", httpPort: 1, tcpPort: 2, interserverPort: 3, ipv6: false });
  expect(xml).not.toMatch(/\/var\/(lib|log)\//);
  expect(xml).toContain("<http_port>1</http_port>");
  expect(xml).toContain("<tcp_port>2</tcp_port>");
  expect(xml).toContain("<interserver_http_port>3</interserver_http_port>");
  expect(xml.match(/<\w+_port>/g)?.sort()).toEqual(["<http_port>", "<interserver_http_port>", "<tcp_port>"]);
  expect(xml.match(/<listen_host>[^<]*<\/listen_host>/g)).toEqual(["<listen_host>127.0.0.1</listen_host>"]);
  const v6 = serverConfigXml({ dir: "/tmp/x", httpPort: 1, tcpPort: 2, interserverPort: 3, ipv6: true });
  expect(v6).toContain("<listen_host>::1</listen_host>");
});

test("a clear error when ClickHouse is not installed", () => {
  expect(() => findServer("/nonexistent", [])).toThrow(ClickHouseNotInstalledError);
  expect(() => findServer("/nonexistent", [])).toThrow(/apt-get install -y clickhouse-server/);
});

onlyLocal(
  "starts, keeps data across stopServer/startServer on the same URL, and stop() removes its directory",
  async () => {
    const ch = await startLocalClickHouse();
    const db = new ClickHouseDb({ url: ch.url, database: "launcher_test" });
    try {
      await db.command(sql`CREATE DATABASE IF NOT EXISTS launcher_test`);
      await db.command(sql`CREATE TABLE launcher_test.t (x UInt8) ENGINE = MergeTree ORDER BY x`);
      await db.command(sql`INSERT INTO launcher_test.t VALUES (7)`);
      await ch.stopServer();
      expect(await answers(ch.url)).toBe(false);
      await ch.startServer();
      expect(await db.rows(sql`SELECT x FROM launcher_test.t`)).toEqual([{ x: 7 }]);
    } finally {
      await db.close();
      await ch.stop();
    }
    expect(await answers(ch.url)).toBe(false);
    expect(existsSync(ch.dataDir)).toBe(false);
  },
  60_000,
);

onlyLocal(
  "killServer: a kill -9 of the server; startServer brings its data back on the same URL",
  async () => {
    const ch = await startLocalClickHouse();
    const db = new ClickHouseDb({ url: ch.url, database: "launcher_test" });
    try {
      await db.command(sql`CREATE DATABASE IF NOT EXISTS launcher_test`);
      await db.command(sql`CREATE TABLE launcher_test.t (x UInt8) ENGINE = MergeTree ORDER BY x`);
      await db.command(sql`INSERT INTO launcher_test.t VALUES (7)`);
      const pid = serverPid(ch.dataDir);
      expect(alive(pid)).toBe(true);
      await ch.killServer();
      expect(alive(pid)).toBe(false);
      expect(await answers(ch.url)).toBe(false);
      await ch.startServer();
      expect(serverPid(ch.dataDir)).not.toBe(pid);
      expect(await db.rows(sql`SELECT x FROM launcher_test.t`)).toEqual([{ x: 7 }]);
    } finally {
      await db.close();
      await ch.stop();
    }
  },
  60_000,
);

/** ClickHouse writes its pid into the status file of its data directory. */
function serverPid(dir: string): number {
  return Number(/PID: (\d+)/.exec(readFileSync(join(dir, "data", "status"), "utf8"))?.[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

onlyLocal(
  "the server stops, and its directory goes, when the process that started it is killed with SIGKILL",
  async () => {
    // A plain node child that uses the built launcher (dist/) and prints where the server lives.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `require(${JSON.stringify(require.resolve("../dist/launcher/local-clickhouse.js"))})
          .startLocalClickHouse().then((c) => console.log(JSON.stringify({ url: c.url, dir: c.dataDir })));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", resolve),
    );
    const { url, dir } = JSON.parse(line) as { url: string; dir: string };
    expect(await answers(url)).toBe(true);
    const pid = serverPid(dir);
    expect(alive(pid)).toBe(true);
    child.kill("SIGKILL");
    // Another process's exit has no event to await: poll it, with a deadline.
    await eventually("the orphaned server to exit", () => !alive(pid), { timeoutMs: 30_000 });
    await eventually("its data dir to be removed", () => !existsSync(dir), { timeoutMs: 5_000 });
  },
  60_000,
);
