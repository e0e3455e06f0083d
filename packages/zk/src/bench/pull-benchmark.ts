// npm run bench:zk — a full modern device (default 200,000 40-byte records) pulled over TCP
// loopback: our client, node-zklib on the same simulator, and a raw socket read of the same bytes.
// Each reader runs in its own process; the simulator runs in another, so neither skews the other.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseFlags, validate, flag } from "../cli/args.js";
import { runCli } from "../cli/cli-error.js";
import { z } from "zod";

const root = path.resolve(__dirname, "../..");

interface Sample {
  reader: string;
  ms: number;
  records: number;
  peakRssMb: number;
  error?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (/^READY /m.test(out)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`zk-sim exited (${code}) before READY`)));
  });
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
}

function worker(args: string[]): Promise<Sample> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, "pull-worker.js"), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", () => resolve(JSON.parse(out.trim().split("\n").pop() || "{}") as Sample));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), {
    records: { type: "string" },
    runs: { type: "string" },
    "skip-zklib": { type: "boolean" },
  });
  const o = validate(
    z.object({
      records: flag.int("records on the device", 1, 10_000_000).default(200_000),
      runs: flag.int("runs per reader", 1, 50).default(5),
    }),
    values,
  );
  const port = await freePort();
  const sim = spawn(
    process.execPath,
    [
      path.join(root, "bin/zk-sim.js"),
      "--port",
      String(port),
      "--devices",
      "1",
      "--users",
      "1000",
      "--records",
      String(o.records),
      "--seed",
      "7",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const bytes = 4 + o.records * 40;
  const payload = Buffer.alloc(bytes, 0x5a);
  const rawServer = net.createServer((s) => s.end(payload));
  await new Promise<void>((r) => rawServer.listen(0, "127.0.0.1", r));
  const rawPort = (rawServer.address() as net.AddressInfo).port;
  try {
    await waitReady(sim);
    const samples: Record<string, Sample[]> = { ours: [], "node-zklib": [], raw: [] };
    let simCpu = 0;
    for (let i = 0; i < o.runs; i++) {
      const before = cpuMs(sim.pid!);
      samples.ours!.push(await worker(["ours", "127.0.0.1", String(port)]));
      simCpu += cpuMs(sim.pid!) - before;
      if (!values["skip-zklib"])
        samples["node-zklib"]!.push(await worker(["node-zklib", "127.0.0.1", String(port)]));
      samples.raw!.push(await worker(["raw", "127.0.0.1", String(rawPort), String(bytes)]));
    }
    const rawMs = median(samples.raw!.map((s) => s.ms));
    const rows = Object.entries(samples)
      .filter(([, s]) => s.length > 0)
      .map(([reader, s]) => {
        const ok = s.filter((x) => !x.error);
        const ms = median(ok.map((x) => x.ms));
        const records = ok.map((x) => x.records);
        return {
          reader,
          runs: s.length,
          failed: s.length - ok.length,
          medianMs: +ms.toFixed(1),
          recordsPerS: reader === "raw" ? null : Math.round(median(records) / (ms / 1000)),
          recordsReturned: reader === "raw" ? null : [...new Set(records)].join("/"),
          peakRssMb: +Math.max(...ok.map((x) => x.peakRssMb)).toFixed(1),
          xRaw: +(ms / rawMs).toFixed(2),
          errors: [...new Set(s.filter((x) => x.error).map((x) => x.error))].join("; ") || undefined,
        };
      });
    console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
    console.log(
      `device: ${o.records} records (${(bytes / 1e6).toFixed(1)} MB of records) over TCP loopback, ${o.runs} runs each`,
    );
    console.table(rows);
    console.log(
      `simulator CPU per pull by our client: ${(simCpu / o.runs).toFixed(1)} ms (median pull ${rows[0]?.medianMs} ms)`,
    );
    console.log(
      `RESULT ${JSON.stringify({ records: o.records, rows, simulatorCpuMsPerPull: +(simCpu / o.runs).toFixed(1) })}`,
    );
  } finally {
    sim.kill("SIGTERM");
    rawServer.close();
  }
}

runCli("bench:zk", main);
