// npm start: a simulated fleet of ZK devices, a full pull of each with zkctl, then their live
// punches as they happen. Ctrl-C stops everything this started.
import { spawn, execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs, promisify } from "node:util";

const run = promisify(execFile);
const bin = (name) => new URL(`../packages/zk/bin/${name}.js`, import.meta.url).pathname;

let opts;
try {
  opts = parseArgs({
    args: process.argv.slice(2),
    options: {
      devices: { type: "string", default: "6" },
      port: { type: "string", default: "14370" },
      users: { type: "string", default: "40" },
      records: { type: "string", default: "2000" },
      "live-rate": { type: "string", default: "6" },
      seed: { type: "string", default: "1" },
    },
  }).values;
} catch (err) {
  console.error(`npm start: ${err.message}`);
  process.exit(2);
}

const children = new Set();
function stop(code = 0) {
  for (const c of children) c.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const sim = spawn(
  process.execPath,
  [bin("zk-sim"), "--port", opts.port, "--devices", opts.devices, "--users", opts.users, "--records", opts.records,
    "--live-rate", opts["live-rate"], "--seed", opts.seed],
  { stdio: ["ignore", "pipe", "inherit"] },
);
children.add(sim);
sim.on("exit", (code) => {
  console.error(`zk-sim exited (${code})`);
  stop(1);
});

const ready = await new Promise((resolve) => {
  createInterface({ input: sim.stdout }).on("line", (line) => {
    if (line.startsWith("READY ")) resolve(line.slice(6).split(","));
  });
});
console.log(`simulated devices: ${ready.join(" ")}`);

for (const address of ready) {
  const [host, port] = address.split(":");
  const { stdout } = await run(process.execPath, [bin("zkctl"), "attendance", "--host", host, "--port", port, "--json"], {
    maxBuffer: 1 << 30,
  });
  const records = JSON.parse(stdout);
  console.log(`${address}: pulled ${records.length} punches, last at ${records.at(-1)?.timestamp ?? "-"}`);
}

console.log("live punches (Ctrl-C to stop):");
for (const address of ready) {
  const [host, port] = address.split(":");
  const live = spawn(process.execPath, [bin("zkctl"), "live", "--host", host, "--port", port, "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(live);
  createInterface({ input: live.stdout }).on("line", (line) => {
    const e = JSON.parse(line);
    console.log(`${e.device}  ${e.timestamp}  user ${e.userId}  punch ${e.punch}`);
  });
}
