import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findServer } from "./find-server.js";
import { freePort, ipv6LoopbackWorks } from "./free-port.js";
import { serverConfigXml, serverUsersXml } from "./server-config.js";

export interface LocalClickHouseOptions {
  /** Data directory to use (kept on stop). Default: a fresh temp directory, removed by stop(). */
  dataDir?: string;
  httpPort?: number;
  tcpPort?: number;
  /** Server time zone (tests set an odd one to prove nothing depends on it). */
  timezone?: string;
  startTimeoutMs?: number;
}

export interface LocalClickHouse {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  url: string;
  httpPort: number;
  tcpPort: number;
  /** Holds config.xml, data/ and log/. */
  dataDir: string;
  /** Stop the server for good; removes the directory when the launcher made it. */
  stop(): Promise<void>;
  /** Stop the server but keep its data and ports, for startServer() (outage tests). */
  stopServer(): Promise<void>;
  /** kill -9 the server (a crash: no shutdown, no flush); data and ports are kept for startServer(). */
  killServer(): Promise<void>;
  /** Start it again on the same directory and ports: the same URL works again. */
  startServer(): Promise<void>;
}

/**
 * The server runs under a tiny sh watchdog that holds our stdin pipe: when this process exits in
 * any way (even kill -9) the pipe reaches EOF and the watchdog stops the server (and removes a
 * directory we made), so no private ClickHouse outlives the process that started it.
 * SIGTERM to the watchdog stops the server and keeps the directory (stopServer); SIGUSR1 makes it
 * kill -9 the server instead (killServer), a crash only the watchdog can aim at the right pid.
 * $1: directory to remove when orphaned ("" to keep); the rest: the server command.
 */
const watchdog = `
remove_when_orphaned=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
trap 'kill -KILL "$child" 2>/dev/null' USR1
( while read -r _ <&3; do :; done; kill -TERM "$child" 2>/dev/null ) &
watcher=$!
status=0
while :; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
if [ -n "$remove_when_orphaned" ] && ! kill -0 "$PPID" 2>/dev/null; then rm -rf "$remove_when_orphaned"; fi
exit "$status"
`;

const timezoneRe = /^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/;

/** Start a private clickhouse-server (own directory, free ports) and wait until /ping answers. */
export async function startLocalClickHouse(o: LocalClickHouseOptions = {}): Promise<LocalClickHouse> {
  const command = findServer();
  if (o.timezone !== undefined && !timezoneRe.test(o.timezone)) throw new Error(`bad timezone ${o.timezone}`);
  const ownsDir = o.dataDir === undefined;
  const dir = o.dataDir ?? mkdtempSync(join(tmpdir(), "bf-clickhouse-"));
  const ipv6 = await ipv6LoopbackWorks();
  const fixedPorts = o.httpPort !== undefined || o.tcpPort !== undefined;
  let ports = await pickPorts(o);
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    mkdirSync(join(dir, "log"), { recursive: true });
    writeFileSync(
      join(dir, "config.xml"),
      serverConfigXml({
        dir,
        httpPort: ports.http,
        tcpPort: ports.tcp,
        interserverPort: ports.interserver,
        ipv6,
        timezone: o.timezone,
      }),
    );
    writeFileSync(join(dir, "users.xml"), serverUsersXml());
    const proc = spawn(
      "sh",
      [
        "-c",
        watchdog,
        "clickhouse-watchdog",
        ownsDir ? dir : "",
        command.file,
        ...command.args,
        `--config-file=${join(dir, "config.xml")}`,
      ],
      { stdio: ["pipe", "ignore", "pipe"] },
    );
    let stderr = "";
    proc.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    // Neither the server nor its pipes keep this process alive; the watchdog covers our exit.
    proc.unref();
    (proc.stdin as unknown as { unref(): void }).unref();
    (proc.stderr as unknown as { unref(): void }).unref();
    child = proc;
    proc.once("exit", () => {
      if (child === proc) child = undefined;
    });
    const url = `http://127.0.0.1:${ports.http}`;
    try {
      await waitForPing(url, proc, o.startTimeoutMs ?? 30_000);
    } catch (err) {
      await halt(proc);
      child = undefined;
      const log = tail(join(dir, "log", "clickhouse-server.err.log"));
      throw new Error(`${(err as Error).message}\n${stderr}${log}`.trim());
    }
  };

  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      // Another process may take a port between freePort() and the bind: pick new ones.
      const clash = /address already in use/i.test((err as Error).message);
      if (!clash || fixedPorts || attempt >= 3) {
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      ports = await pickPorts(o);
    }
  }
  // From now on the ports stay: a restart must answer on the same URL.
  const keep = ports;
  const stopServer = async (signal: "SIGTERM" | "SIGUSR1" = "SIGTERM"): Promise<void> => {
    if (child) await halt(child, signal);
    child = undefined;
  };

  return {
    url: `http://127.0.0.1:${keep.http}`,
    httpPort: keep.http,
    tcpPort: keep.tcp,
    dataDir: dir,
    stopServer: () => stopServer(),
    killServer: () => stopServer("SIGUSR1"),
    async startServer() {
      if (!child) await launch();
    },
    async stop() {
      await stopServer();
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pickPorts(
  o: LocalClickHouseOptions,
): Promise<{ http: number; tcp: number; interserver: number }> {
  return {
    http: o.httpPort ?? (await freePort()),
    tcp: o.tcpPort ?? (await freePort()),
    interserver: await freePort(),
  };
}

async function waitForPing(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  proc.once(
    "exit",
    (code, signal) => (exited = `clickhouse-server exited (${signal ?? code}) before it answered`),
  );
  while (true) {
    if (exited) throw new Error(exited);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && (await res.text()).startsWith("Ok")) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`clickhouse-server did not answer ${url}/ping within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Signal the watchdog (SIGTERM: it stops the server; SIGUSR1: it kills the server with -9; either
 * way the data stays) and wait for it to exit; SIGKILL after 20 s.
 */
async function halt(proc: ChildProcess, signal: "SIGTERM" | "SIGUSR1" = "SIGTERM"): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, "exit");
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function tail(file: string): string {
  try {
    return `\n${file}:\n${readFileSync(file, "utf8").slice(-2000)}`;
  } catch {
    return "";
  }
}
