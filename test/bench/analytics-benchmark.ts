// npm run bench:analytics — the monthly timesheet of 10,000 people over 10,000,000 punches, end to
// end for a gRPC client: request sent -> every row received and decoded. Target: under 500 ms on
// ClickHouse 18.16.
//
//   npm run bench:analytics -- [--punches 10000000] [--places 10] [--people-per-place 1000]
//     [--seed 1] [--month 2024-05] [--runs 10] [--warmup 2] [--cold 3] [--layouts spread,month]
//     [--cache DIR]
//
// A private ClickHouse (packages/clickhouse) is loaded with realistic punches (analytics-dataset.ts)
// by a bulk path that is not timed, in two layouts: "spread", the punches over about two years
// from 2023-01 so the month asked for is a realistic slice, and "month", all of them inside that
// month (the worst case). --cache DIR keeps the loaded server directory for the next run (keyed by
// seed and sizes). A real bf-aggregator process serves AnalyticsService from it; "cold" is the
// first request to a freshly started aggregator after ClickHouse dropped its mark and uncompressed
// caches (the OS page cache stays warm), "warm" the following ones.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ClickHouseDb, lit, sql, startLocalClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { AnalyticsServiceDefinition, type ExportTimesheetsResponse } from "@biometricflow/proto";
import { ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "../support/paths.js";
import { loadBenchData, type LoadResult, type LoadSpec } from "./analytics-load.js";
import { benchPlaces } from "./analytics-dataset.js";
import { fetchMonth, summarize, type Fetched } from "./analytics-fetch.js";
import { cpuSeconds, memory, percentile } from "./proc-stats.js";
import { wholeNumber } from "./report.js";

interface Options {
  punches: number;
  places: number;
  peoplePerPlace: number;
  seed: number;
  month: string;
  runs: number;
  warmup: number;
  cold: number;
  layouts: ("spread" | "month")[];
  cache?: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      punches: { type: "string", default: "10000000" },
      places: { type: "string", default: "10" },
      "people-per-place": { type: "string", default: "1000" },
      seed: { type: "string", default: "1" },
      month: { type: "string", default: "2024-05" },
      runs: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      cold: { type: "string", default: "3" },
      layouts: { type: "string", default: "spread,month" },
      cache: { type: "string" },
    },
  });
  if (!/^\d{4}-\d{2}$/.test(values.month)) throw new Error(`--month must be YYYY-MM, got ${values.month}`);
  const layouts = values.layouts.split(",").map((l) => l.trim());
  for (const l of layouts)
    if (l !== "spread" && l !== "month") throw new Error(`--layouts: spread and/or month, got ${l}`);
  return {
    punches: wholeNumber("punches", values.punches, 1),
    places: wholeNumber("places", values.places, 1),
    peoplePerPlace: wholeNumber("people-per-place", values["people-per-place"], 1),
    seed: wholeNumber("seed", values.seed, 0),
    month: values.month,
    runs: wholeNumber("runs", values.runs, 1),
    warmup: wholeNumber("warmup", values.warmup, 0),
    cold: wholeNumber("cold", values.cold, 0),
    layouts: layouts as Options["layouts"],
    cache: values.cache,
  };
}

const log = (line: string): void => void process.stderr.write(`[bench:analytics] ${line}\n`);

function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

function stats(ms: number[]): { median: number; p90: number; max: number; min: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: percentile(s, 50), p90: percentile(s, 90), max: s[s.length - 1]!, min: s[0]! };
}

interface LayoutResult {
  layout: string;
  load: LoadResult;
  punchesInMonth: number;
  rows: number;
  people: number;
  wireBytes: number;
  messages: number;
  /** Not timed: turning the blocks into TimesheetRow objects, for a client that wants those. */
  toRowObjectsMs: number;
  coldMs: number[];
  warmMs: number[];
  aggregatorCpuMsPerWarmRequest: number;
  clickhouseCpuMsPerWarmRequest: number;
  /** This process: receiving and decoding (and the summary after each request, not timed). */
  clientCpuMsPerWarmRequest: number;
  aggregatorPeakRssMiB: number;
  loadavg: { before: string; after: string };
}

async function main(): Promise<void> {
  const o = options();
  const cacheRoot = o.cache ? path.resolve(o.cache) : mkdtempSync(path.join(tmpdir(), "bf-bench-analytics-"));
  const key = `seed${o.seed}-punches${o.punches}-places${o.places}x${o.peoplePerPlace}-${o.month}`;
  const dataDir = path.join(cacheRoot, key);
  mkdirSync(dataDir, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), "bf-bench-analytics-run-"));
  const ch = await startLocalClickHouse({ dataDir });
  const results: LayoutResult[] = [];
  try {
    for (const layout of o.layouts) {
      const database = `bench_${layout}`;
      const db = new ClickHouseDb({ url: ch.url, database, requestTimeoutMs: 600_000 });
      const marker = path.join(dataDir, `${database}.loaded.json`);
      let load: LoadResult;
      if (existsSync(marker)) {
        load = JSON.parse(readFileSync(marker, "utf8")) as LoadResult;
        log(`${layout}: cached data (${load.punches} punches, ${load.firstDay}..${load.lastDay})`);
      } else {
        await db.command(sql`DROP DATABASE IF EXISTS ${lit.database(database)}`);
        const spec: LoadSpec = {
          seed: o.seed,
          punches: o.punches,
          places: o.places,
          peoplePerPlace: o.peoplePerPlace,
          from: layout === "spread" ? "2023-01-01" : `${o.month}-01`,
          layout,
        };
        const t0 = Date.now();
        log(`${layout}: loading ${o.punches} punches...`);
        load = await loadBenchData(db, spec);
        writeFileSync(marker, JSON.stringify(load));
        log(
          `${layout}: loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s (${load.firstDay}..${load.lastDay})`,
        );
      }
      results.push(await measure(o, layout, db, ch.url, load, work, ch.dataDir));
      await db.close();
    }
  } finally {
    await ch.stop();
    rmSync(work, { recursive: true, force: true });
    if (!o.cache) rmSync(cacheRoot, { recursive: true, force: true });
  }
  report(o, results);
}

async function measure(
  o: Options,
  layout: string,
  db: ClickHouseDb,
  url: string,
  load: LoadResult,
  work: string,
  chDataDir: string,
): Promise<LayoutResult> {
  const { from, to } = monthRange(o.month);
  const placeIds = benchPlaces(o.places).map((bp) => bp.place.id);
  const [inMonth] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${db.table("punches")}
      WHERE local_time >= ${lit.dateTime(`${from} 00:00:00`)} AND local_time <= ${lit.dateTime(`${to} 23:59:59`)}`,
  );
  if (Number(inMonth!.n) === 0) {
    log(
      `${layout}: no punch falls in ${o.month} (the data ends ${load.lastDay}): raise --punches or move --month`,
    );
  }
  // The places are not running: the aggregator serves analytics from the rules stored in ClickHouse
  // (its followers retry the closed port 1 in the background, once a minute at most).
  const config = path.join(work, `aggregator-${layout}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      places: placeIds.map((id) => ({ id, grpc: "127.0.0.1:1" })),
      grpc: { host: "127.0.0.1", port: 0 },
      clickhouse: { url, database: db.database },
      ingest: { retryInitialMs: 60_000, retryMaxMs: 600_000 },
    }),
  );
  const aggregator = new ServiceProcess({
    name: "bf-aggregator",
    script: path.join(repoRoot, "services/aggregator/bin/bf-aggregator.js"),
    args: ["--config", config],
    env: { LOG_LEVEL: "warn", OTEL_SDK_DISABLED: "true" },
    logFile: path.join(work, `aggregator-${layout}.log`),
  });
  const scope = { placeIds, fromDate: from, toDate: to };
  const once = async (address: string): Promise<{ ms: number; messages: ExportTimesheetsResponse[] }> => {
    const api = createChannelClient(AnalyticsServiceDefinition, address);
    try {
      await api.client.getIngestStatus({}); // the channel is connected before the clock starts
      const t0 = performance.now();
      const messages = await fetchMonth(api.client, scope);
      const ms = performance.now() - t0;
      return { ms, messages };
    } finally {
      api.close();
    }
  };
  const before = loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
  const coldMs: number[] = [];
  let lastMessages: ExportTimesheetsResponse[] = [];
  let cpuMs = 0;
  let chCpuMs = 0;
  let clientCpuMs = 0;
  let peakRss = 0;
  const chPid = serverPid(chDataDir);
  const warmMs: number[] = [];
  try {
    for (let i = 0; i < o.cold; i++) {
      await db.command(sql`SYSTEM DROP MARK CACHE`);
      await db.command(sql`SYSTEM DROP UNCOMPRESSED CACHE`);
      const ready = (await aggregator.start()) as { aggregator: string };
      const r = await once(ready.aggregator);
      coldMs.push(r.ms);
      lastMessages = r.messages;
      log(`${layout} cold ${i + 1}: ${r.ms.toFixed(0)} ms`);
      await aggregator.stop();
    }
    const ready = (await aggregator.start()) as { aggregator: string };
    for (let i = 0; i < o.warmup; i++) await once(ready.aggregator);
    const cpu0 = cpuSeconds(aggregator.pid!);
    const chCpu0 = chPid ? cpuSeconds(chPid) : 0;
    const own0 = process.cpuUsage();
    for (let i = 0; i < o.runs; i++) {
      const r = await once(ready.aggregator);
      warmMs.push(r.ms);
      lastMessages = r.messages;
    }
    cpuMs = ((cpuSeconds(aggregator.pid!) - cpu0) * 1000) / o.runs;
    chCpuMs = chPid ? ((cpuSeconds(chPid) - chCpu0) * 1000) / o.runs : NaN;
    const own = process.cpuUsage(own0);
    clientCpuMs = (own.user + own.system) / 1000 / o.runs;
    peakRss = memory(aggregator.pid!).peakRss / 2 ** 20;
    log(`${layout} warm: ${warmMs.map((m) => m.toFixed(0)).join(", ")} ms`);
  } finally {
    await aggregator.stop();
  }
  const last: Fetched = summarize(lastMessages); // not timed: sizes, and the rows as objects
  return {
    layout,
    load,
    punchesInMonth: Number(inMonth!.n),
    rows: last.rows,
    people: last.people,
    wireBytes: last.wireBytes,
    messages: last.messages,
    toRowObjectsMs: last.toRowObjectsMs,
    coldMs,
    warmMs,
    aggregatorCpuMsPerWarmRequest: cpuMs,
    clickhouseCpuMsPerWarmRequest: chCpuMs,
    clientCpuMsPerWarmRequest: clientCpuMs,
    aggregatorPeakRssMiB: peakRss,
    loadavg: {
      before,
      after: loadavg()
        .map((n) => n.toFixed(2))
        .join(" "),
    },
  };
}

/** The clickhouse-server started on `dataDir` (its command line names the config file there). */
function serverPid(dataDir: string): number | undefined {
  const config = `--config-file=${path.join(dataDir, "config.xml")}`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      // The server itself, not the sh watchdog whose command line names it too.
      if (cmd.includes(config) && /clickhouse(-server)?$/.test(cmd[0] ?? "")) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function report(o: Options, results: LayoutResult[]): void {
  const f = (n: number): string => n.toFixed(0);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines = [
    `machine: ${machine}`,
    `timesheet: ${o.places} places x ${o.peoplePerPlace} people, ${o.month}; ${o.punches} punches stored`,
    "",
    "| layout | punches in the month | rows | wire | cold median / max | warm median / p90 / max | CPU per warm request: aggregator / ClickHouse / client | loadavg before / after |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of results) {
    const c = stats(r.coldMs);
    const w = stats(r.warmMs);
    lines.push(
      `| ${r.layout} (${r.load.firstDay}..${r.load.lastDay}) | ${r.punchesInMonth.toLocaleString("en")} | ` +
        `${r.rows.toLocaleString("en")} (${r.people.toLocaleString("en")} people) | ` +
        `${(r.wireBytes / 2 ** 20).toFixed(1)} MiB in ${r.messages} messages (to row objects: +${f(r.toRowObjectsMs)} ms) | ` +
        `${r.coldMs.length ? `${f(c.median)} / ${f(c.max)} ms` : "-"} | ${f(w.median)} / ${f(w.p90)} / ${f(w.max)} ms | ` +
        `${f(r.aggregatorCpuMsPerWarmRequest)} / ${f(r.clickhouseCpuMsPerWarmRequest)} / ${f(r.clientCpuMsPerWarmRequest)} ms ` +
        `(aggregator peak RSS ${f(r.aggregatorPeakRssMiB)} MiB) | ${r.loadavg.before} / ${r.loadavg.after} |`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n${JSON.stringify(results)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:analytics failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
