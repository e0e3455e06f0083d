// One measured pull in its own process, so peak RSS belongs to the reader alone.
// usage: node pull-worker.js <ours|node-zklib|raw> <host> <port> [rawBytes]
import net from "node:net";
import { ZkClient } from "../client/index.js";
import { nodeZklib } from "../reference/node-zklib.js";

interface Result {
  reader: string;
  ms: number;
  records: number;
  bytes?: number;
  peakRssMb: number;
}

async function ours(host: string, port: number): Promise<Omit<Result, "reader" | "peakRssMb">> {
  const start = performance.now();
  const client = new ZkClient({ host, port, timeoutMs: 10_000 });
  await client.connect();
  const records = await client.getAttendance();
  await client.disconnect();
  return { ms: performance.now() - start, records: records.length };
}

async function theirs(host: string, port: number): Promise<Omit<Result, "reader" | "peakRssMb">> {
  const start = performance.now();
  const zk = nodeZklib(host, port, 30_000, 5200);
  await zk.createSocket();
  const result = await zk.getAttendances();
  await zk.disconnect();
  return { ms: performance.now() - start, records: result.data.length };
}

/** The limit: the same number of bytes read from a socket that just writes them. */
function raw(host: string, port: number, bytes: number): Promise<Omit<Result, "reader" | "peakRssMb">> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let got = 0;
    const socket = net.connect({ host, port });
    socket.on("data", (chunk) => {
      got += chunk.length;
      if (got >= bytes) {
        socket.destroy();
        resolve({ ms: performance.now() - start, records: 0, bytes: got });
      }
    });
    socket.on("error", reject);
  });
}

async function main(): Promise<void> {
  const [reader, host = "127.0.0.1", portText = "0", bytesText = "0"] = process.argv.slice(2);
  const port = Number(portText);
  const run =
    reader === "ours"
      ? ours(host, port)
      : reader === "node-zklib"
        ? theirs(host, port)
        : raw(host, port, Number(bytesText));
  const r = await run;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ reader, ...r, peakRssMb })}\n`);
  process.exit(0);
}

main().catch((err: Error) => {
  process.stdout.write(`${JSON.stringify({ reader: process.argv[2], error: err.message })}\n`);
  process.exit(1);
});
