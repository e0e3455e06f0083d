// npm run bench:ingest — catch-up of place journals into ClickHouse: real bf-place processes on
// filled journals and one real bf-aggregator, against the limit, a clickhouse-client bulk insert
// of the same rows into the same (private) ClickHouse, measured in the same run before and after.
//
//   npm run bench:ingest -- [--sizes 1000000,10000000] [--places 4] [--seed 1] [--cache DIR]
//     [--aggregator-env NAME=VALUE ...] [--place-env NAME=VALUE ...] [--fresh-schema] [--keep]
//
// The catch-up of an aggregator that was away: its schema is in ClickHouse before the clock starts
// (migrate(), what `bf-aggregator migrate` runs), as the limit's table is. --fresh-schema leaves
// the database empty instead, so the timed start-up also creates the schema (about 0.2 s).
//
// Timed: from spawning the aggregator until it reports (GetIngestStatus, polled every 20 ms) every
// place's committed offset at its journal head; then the offsets stored in ClickHouse
// (journal_offsets) must be those heads and SELECT count() FROM biometricflow.punches FINAL must
// equal N. (Polling ClickHouse instead cost it about 0.1 µs of CPU a punch.) Not timed:
// filling the journals and writing the limit's file (with --cache DIR both are kept there and
// reused by later runs of the same size, places and seed).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { migrate, openClickHouse, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import { PunchStore } from "@biometricflow/aggregator";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { AnalyticsServiceDefinition } from "@biometricflow/proto";
import { ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "../support/paths.js";
import { PlaceProcess } from "../support/place.js";
import { DEVICES_PER_PLACE, TIMEZONE, deviceId, deviceSerial, fillJournals } from "./ingest/fill-journals.js";
import { writeLimitFile } from "./ingest/limit-file.js";
import { limitInsert, type LimitResult } from "./ingest/limit-insert.js";
import { cpuSeconds, descendantsNamed, machineCpu, memory } from "./proc-stats.js";
import { machine, round, table, wholeNumber } from "./report.js";

interface Options {
  sizes: number[];
  places: number;
  seed: number;
  cache: string | undefined;
  keep: boolean;
  freshSchema: boolean;
  aggregatorEnv: Record<string, string>;
  placeEnv: Record<string, string>;
}

function envPairs(flag: string, pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((kv) => {
      const at = kv.indexOf("=");
      if (at < 1) throw new Error(`--${flag} takes NAME=VALUE, got ${kv}`);
      return [kv.slice(0, at), kv.slice(at + 1)];
    }),
  );
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "1000000,10000000" },
      places: { type: "string", default: "4" },
      seed: { type: "string", default: "1" },
      cache: { type: "string" },
      keep: { type: "boolean", default: false },
      "fresh-schema": { type: "boolean", default: false },
      "aggregator-env": { type: "string", multiple: true, default: [] },
      "place-env": { type: "string", multiple: true, default: [] },
    },
  });
  return {
    sizes: values.sizes.split(",").map((s) => wholeNumber("sizes", s.trim(), 1)),
    places: wholeNumber("places", values.places, 1),
    seed: wholeNumber("seed", values.seed, 0),
    cache: values.cache,
    keep: values.keep,
    freshSchema: values["fresh-schema"],
    aggregatorEnv: envPairs("aggregator-env", values["aggregator-env"]),
    placeEnv: envPairs("place-env", values["place-env"]),
  };
}

const log = (line: string): void => void process.stderr.write(`[bench:ingest] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

export interface RunResult {
  punches: number;
  places: number;
  limit: LimitResult[];
  aggregator: {
    seconds: number;
    readySeconds: number;
    rowsPerSecond: number;
    peakRssMiB: number;
    cpuPercent: number;
  };
  placesCpuPercent: number;
  clickhouseCpuPercent: number;
  machineBusyPercent: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
  /** Aggregator rows/s over the faster limit run's rows/s. */
  ratio: number;
}

async function committed(db: ClickHouseDb): Promise<Map<string, number>> {
  const latest = await new PunchStore(db).latestOffsets();
  return new Map([...latest].map(([place, l]) => [place, l.offset]));
}

async function run(o: Options, total: number): Promise<RunResult> {
  const scratch = mkdtempSync(path.join(tmpdir(), `bf-bench-ingest-${total}-`));
  const journalDir = o.cache
    ? path.join(o.cache, `n${total}-p${o.places}-s${o.seed}`)
    : path.join(scratch, "journals");
  let finished = false;
  const places: PlaceProcess[] = [];
  let aggregator: ServiceProcess | undefined;
  const ch = await openClickHouse({ local: { dataDir: path.join(scratch, "clickhouse") } });
  try {
    const fillStart = Date.now();
    const journals = fillJournals(journalDir, total, o.places, o.seed, log);
    log(
      `${total} punches in ${o.places} journals ${journals.reused ? "reused from" : "written to"} ${journalDir} (${((Date.now() - fillStart) / 1000).toFixed(0)} s)`,
    );
    const file = writeLimitFile(journals);
    log(`limit file: ${file.rows} rows, ${mib(file.bytes)} MiB`);
    if (file.rows !== total) throw new Error(`limit file has ${file.rows} rows, expected ${total}`);

    const limit: LimitResult[] = [await limitInsert(ch, file)];
    log(`limit (clickhouse-client TSV): ${round(limit[0]!.rowsPerSecond)} rows/s`);

    for (const [p, id] of journals.placeIds.entries()) {
      places.push(
        await PlaceProcess.start({
          id,
          timezone: TIMEZONE,
          dir: journalDir,
          devices: Array.from({ length: DEVICES_PER_PLACE }, (_, d) => ({
            id: deviceId(d),
            serial: deviceSerial(p, d),
            host: "127.0.0.1",
            port: 4370, // never contacted: no supervisor runs in this benchmark
          })),
          env: o.placeEnv,
        }),
      );
    }
    const heads = await Promise.all(places.map((p) => p.head()));
    heads.forEach((h, i) => {
      if (h !== journals.counts[i])
        throw new Error(`place ${places[i]!.id} reports head ${h}, expected ${journals.counts[i]}`);
    });

    if (!o.freshSchema) await migrate(ch.db);
    aggregator = new ServiceProcess({
      name: "aggregator",
      script: path.join(repoRoot, "services/aggregator/bin/bf-aggregator.js"),
      env: {
        LOG_LEVEL: "warn",
        AGGREGATOR_CLICKHOUSE__URL: ch.url,
        AGGREGATOR_PLACES: JSON.stringify(places.map((p) => ({ id: p.id, grpc: p.address }))),
        AGGREGATOR_GRPC__HOST: "127.0.0.1",
        AGGREGATOR_GRPC__PORT: "0",
        ...o.aggregatorEnv,
      },
      logFile: path.join(scratch, "aggregator.log"),
    });
    const loadavgBefore = loadavg().map((l) => round(l, 2));
    const placesCpu0 = places.reduce((s, p) => s + cpuSeconds(p.process.pid!), 0);
    const servers = descendantsNamed(process.pid, "clickhouse");
    const serverCpu = (): number => servers.reduce((s, pid) => s + cpuSeconds(pid), 0);
    const clickhouseCpu0 = serverCpu();
    const machine0 = machineCpu();
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    const ready = (await aggregator.start()) as { aggregator: string };
    const readySeconds = elapsed();
    const pid = aggregator.pid!;
    const api = createChannelClient(AnalyticsServiceDefinition, ready.aggregator, { deadlineMs: 10_000 });
    try {
      for (let lastLog = 0; ;) {
        const status = await api.client.getIngestStatus({});
        const offsets = new Map(status.places.map((p) => [p.placeId, p.committedOffset]));
        if (places.every((p, i) => offsets.get(p.id) === heads[i])) break;
        if (elapsed() - lastLog > 10) {
          lastLog = elapsed();
          const sum = [...offsets.values()].reduce((a, b) => a + b, 0);
          log(
            `${round(elapsed(), 1)} s: ${sum}/${total} committed, aggregator RSS ${mib(memory(pid).rss)} MiB`,
          );
        }
        if (!aggregator.running)
          throw new Error(`the aggregator exited; see ${path.join(scratch, "aggregator.log")}`);
        await sleep(20);
      }
    } finally {
      api.close();
    }
    const seconds = elapsed();
    const aggregatorCpu = cpuSeconds(pid);
    const peakRss = memory(pid).peakRss;
    const placesCpu = places.reduce((s, p) => s + cpuSeconds(p.process.pid!), 0) - placesCpu0;
    const clickhouseCpu = serverCpu() - clickhouseCpu0;
    const machine1 = machineCpu();
    const loadavgAfter = loadavg().map((l) => round(l, 2));

    const stored = await committed(ch.db);
    places.forEach((p, i) => {
      if (stored.get(p.id) !== heads[i])
        throw new Error(`ClickHouse holds offset ${stored.get(p.id)} for ${p.id}, not its head ${heads[i]}`);
    });
    const [count] = await ch.db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM ${ch.db.table("punches")} FINAL`,
    );
    if (Number(count?.n) !== total)
      throw new Error(`punches FINAL holds ${count?.n} rows, expected ${total}`);
    log(
      `aggregator: ${total} punches in ${round(seconds, 2)} s, ${round(total / seconds)} rows/s; FINAL count ${count?.n}`,
    );

    await aggregator.stop("SIGTERM", 30_000);
    await Promise.all(places.splice(0).map((p) => p.stop()));
    limit.push(await limitInsert(ch, file));
    log(`limit again: ${round(limit[1]!.rowsPerSecond)} rows/s`);

    // The faster limit run: the other work on a shared machine only ever slows a run down.
    const limitRate = Math.max(...limit.map((l) => l.rowsPerSecond));
    finished = true;
    return {
      punches: total,
      places: o.places,
      limit: limit.map((l) => ({
        seconds: round(l.seconds, 2),
        rowsPerSecond: round(l.rowsPerSecond),
        clientCpu: round(l.clientCpu, 2),
        serverCpu: round(l.serverCpu, 2),
      })),
      aggregator: {
        seconds: round(seconds, 2),
        readySeconds: round(readySeconds, 2),
        rowsPerSecond: round(total / seconds),
        peakRssMiB: mib(peakRss),
        cpuPercent: round((aggregatorCpu / seconds) * 100, 1),
      },
      placesCpuPercent: round((placesCpu / seconds) * 100, 1),
      clickhouseCpuPercent: round((clickhouseCpu / seconds) * 100, 1),
      machineBusyPercent: round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100),
      loadavgBefore,
      loadavgAfter,
      ratio: round(total / seconds / limitRate, 2),
    };
  } finally {
    await aggregator?.stop("SIGTERM", 30_000).catch(() => undefined);
    await Promise.all(places.map((p) => p.stop().catch(() => undefined)));
    await ch.close();
    if (o.keep || !finished) log(`logs kept in ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

function report(results: readonly RunResult[]): string {
  const rows: [string, (r: RunResult) => string | number][] = [
    ["punches (places)", (r) => `${r.punches} (${r.places})`],
    ["limit: clickhouse-client TSV, rows/s", (r) => r.limit.map((l) => l.rowsPerSecond).join(" / ")],
    ["limit time", (r) => r.limit.map((l) => `${l.seconds} s`).join(" / ")],
    [
      "limit CPU per punch: client / server",
      (r) => {
        const us = (s: number): number => round((s * 1e6) / r.punches, 1);
        return r.limit.map((l) => `${us(l.clientCpu)} / ${us(l.serverCpu)} µs`).join(", ");
      },
    ],
    [
      "aggregator catch-up time (READY after)",
      (r) => `${r.aggregator.seconds} s (${r.aggregator.readySeconds} s)`,
    ],
    ["aggregator rows/s", (r) => r.aggregator.rowsPerSecond],
    ["aggregator / limit (faster run)", (r) => r.ratio],
    ["aggregator peak RSS", (r) => `${r.aggregator.peakRssMiB} MiB`],
    ["aggregator CPU (of one core)", (r) => `${r.aggregator.cpuPercent} %`],
    ["places CPU (sum)", (r) => `${r.placesCpuPercent} %`],
    ["ClickHouse server CPU", (r) => `${r.clickhouseCpuPercent} %`],
    [
      "CPU per punch: aggregator / places / ClickHouse",
      (r) => {
        const us = (pct: number): number => round(((pct / 100) * r.aggregator.seconds * 1e6) / r.punches, 1);
        return `${us(r.aggregator.cpuPercent)} / ${us(r.placesCpuPercent)} / ${us(r.clickhouseCpuPercent)} µs`;
      },
    ],
    [`machine busy (${cpus().length} cores = 100 %)`, (r) => `${r.machineBusyPercent} %`],
    ["loadavg before / after", (r) => `${r.loadavgBefore.join(" ")} / ${r.loadavgAfter.join(" ")}`],
  ];
  return table(rows, results);
}

async function main(): Promise<void> {
  const o = options();
  const host = machine();
  log(`machine: ${JSON.stringify(host)}`);
  const results: RunResult[] = [];
  for (const size of o.sizes) results.push(await run(o, size));
  process.stdout.write(`\n${report(results)}\n\n`);
  process.stdout.write(
    `RESULT ${JSON.stringify({ bench: "ingest", machine: host, options: o, runs: results })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
