// npm run bench:fleet — many simulated devices against ONE device supervisor and a few places,
// every one a real process. Reports the supervisor's peak RSS and CPU, and the latency of a punch
// from the device keypad to the place: received by the supervisor, stored in the journal and seen
// by a WatchPunches subscriber, under a controlled load of live punches.
//
//   npm run bench:fleet -- [--sizes 1000,10000] [--places 10] [--per-sim 2500] [--rate 1000]
//     [--seconds 30] [--probes 50] [--records 20] [--users 20] [--live-timeout 900] [--keep]
//     [--supervisor-env NAME=VALUE ...]
//
// Load: every device records live punches (zk-sim --live-rate) so that the fleet makes --rate
// punches a second in all. Latency: --probes punches a second are made through the simulators'
// control API, each with its own wall-clock second in 2031, so the bench knows when each was
// punched and finds it again in the journal stream (and its received_at, stamped by the supervisor).
// zk-sim holds two sockets per device plus one per connection, so --per-sim 2500 keeps every
// simulator process far below the 20,000 open files a process may have here.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DeviceState, PunchSource, type Punch } from "@biometricflow/proto";
import { ServiceProcess } from "@biometricflow/stack";
import { repoRoot } from "../support/paths.js";
import { PlaceProcess } from "../support/place.js";
import { SimFleet } from "../support/sim-fleet.js";
import { cpuSeconds, machineCpu, memory, openFiles, percentile } from "./proc-stats.js";
import { machine, round, table, wholeNumber } from "./report.js";

const TIMEZONE = "Africa/Lagos";
const PROBE_EPOCH = Date.parse("2031-01-01T00:00:00Z");

interface Options {
  sizes: number[];
  places: number;
  perSim: number;
  rate: number;
  seconds: number;
  probes: number;
  records: number;
  users: number;
  keep: boolean;
  liveTimeoutSeconds: number;
  /** SUPERVISOR_* variables and NODE_OPTIONS for the supervisor, e.g. a start spread or a heap cap. */
  supervisorEnv: Record<string, string>;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "1000,10000" },
      places: { type: "string", default: "10" },
      "per-sim": { type: "string", default: "2500" },
      rate: { type: "string", default: "1000" },
      seconds: { type: "string", default: "30" },
      probes: { type: "string", default: "50" },
      records: { type: "string", default: "20" },
      users: { type: "string", default: "20" },
      keep: { type: "boolean", default: false },
      "live-timeout": { type: "string", default: "900" },
      "supervisor-env": { type: "string", multiple: true, default: [] },
    },
  });
  return {
    sizes: values.sizes.split(",").map((s) => wholeNumber("sizes", s.trim(), 1)),
    places: wholeNumber("places", values.places, 1),
    perSim: wholeNumber("per-sim", values["per-sim"], 1),
    rate: wholeNumber("rate", values.rate, 0),
    seconds: wholeNumber("seconds", values.seconds, 1),
    probes: wholeNumber("probes", values.probes, 1),
    records: wholeNumber("records", values.records, 0),
    users: wholeNumber("users", values.users, 1),
    keep: values.keep,
    liveTimeoutSeconds: wholeNumber("live-timeout", values["live-timeout"], 1),
    supervisorEnv: Object.fromEntries(
      values["supervisor-env"].map((kv) => {
        const at = kv.indexOf("=");
        if (at < 1) throw new Error(`--supervisor-env takes NAME=VALUE, got ${kv}`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
    ),
  };
}

const log = (line: string): void => void process.stderr.write(`[bench:fleet] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Probe {
  serial: string;
  sentAt: number;
  arrivedAt?: number;
  receivedAt?: number;
  source?: PunchSource;
}

export interface RunResult {
  devices: number;
  places: number;
  simProcesses: number;
  livePunchesPerMinPerDevice: number;
  /** Supervisor start until every device was LIVE (connect, identify, first pull of the backlog). */
  allLiveSeconds: number;
  devicesLive: number;
  supervisor: {
    peakRssMiB: number;
    rssMiB: number;
    openFiles: number;
    cpuStartupPercent: number;
    cpuSteadyPercent: number;
  };
  placesCpuSteadyPercent: number;
  simulatorsCpuSteadyPercent: number;
  /** This process: probes, subscribers. */
  benchCpuSteadyPercent: number;
  /** Share of all cores busy (anything on the machine). */
  machineBusySteadyPercent: number;
  /** Of that, what processes other than this benchmark's used (other work on a shared machine). */
  otherLoadSteadyPercent: number;
  storedPerSecond: number;
  probes: { sent: number; arrived: number; viaLive: number };
  /** Keypad -> supervisor received the live event (CapturedPunch.received_at). */
  punchToSupervisorMs: { p50: number; p99: number };
  /** Keypad -> stored in the journal and delivered to a WatchPunches subscriber (an upper bound of punch -> ack). */
  punchToSubscriberMs: { p50: number; p99: number; max: number };
}

async function run(o: Options, devices: number): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), `bf-bench-fleet-${devices}-`));
  const sims: SimFleet[] = [];
  const places: PlaceProcess[] = [];
  let supervisor: ServiceProcess | undefined;
  const subscriptions: AbortController[] = [];
  let finished = false;
  try {
    // Simulators: the fleet split over processes, live punches at rate/devices per device.
    const perDevicePerMin = Math.round((o.rate * 60) / devices);
    const simCount = Math.ceil(devices / o.perSim);
    log(`${devices} devices: ${simCount} zk-sim processes, ${perDevicePerMin} live punches/min/device`);
    for (let k = 0; k < simCount; k++) {
      const n = Math.min(o.perSim, devices - k * o.perSim);
      sims.push(
        await SimFleet.start({
          name: `sim-${k}`,
          dir,
          devices: n,
          records: o.records,
          users: o.users,
          seed: 7_000 + k,
          liveRate: perDevicePerMin,
          timezone: TIMEZONE,
          readyTimeoutMs: 300_000,
        }),
      );
    }
    const fleet = sims.flatMap((sim) => sim.devices.map((d) => ({ sim, d })));
    if (new Set(fleet.map((f) => f.d.serial)).size !== fleet.length)
      throw new Error("two simulated devices share a serial");

    // Places: the fleet in contiguous shares.
    const share = Math.ceil(devices / o.places);
    for (let p = 0; p * share < devices; p++) {
      const mine = fleet.slice(p * share, (p + 1) * share);
      places.push(
        await PlaceProcess.start({
          id: `bench-${p}`,
          timezone: TIMEZONE,
          dir,
          devices: mine.map(({ d }, i) => ({
            id: `p${p}-d${i}`,
            serial: d.serial,
            host: d.host,
            port: d.port,
          })),
          pullIntervalSeconds: 60,
        }),
      );
    }
    log(`${places.length} places up; starting the supervisor`);

    // One supervisor with its production defaults (probe every 30 s, first connects over 10 s).
    supervisor = new ServiceProcess({
      name: "device-supervisor",
      script: path.join(repoRoot, "services/device-supervisor/bin/bf-supervisor.js"),
      env: {
        LOG_LEVEL: "warn",
        SUPERVISOR_ID: "bench",
        SUPERVISOR_PLACES: places.map((p) => p.address).join(","),
        // First connects spread at ~150 devices/s (the default 10 s window would make 1,000
        // connects, identifications and first pulls a second, and back most of them off).
        SUPERVISOR_DEVICE__START_SPREAD_SECONDS: String(Math.max(10, Math.round(devices / 150))),
        ...o.supervisorEnv,
      },
      logFile: path.join(dir, "supervisor.log"),
      readyTimeoutMs: 120_000,
    });
    const startedAt = Date.now();
    await supervisor.start();
    const pid = supervisor.pid!;
    const cpuAtStart = cpuSeconds(pid);

    let live = 0;
    for (let lastLog = 0; ;) {
      const statuses = (
        await Promise.all(
          places.map(async (p) => (await p.client.listDevices({}, { deadline: 30_000 })).devices),
        )
      ).flat();
      live = statuses.filter((d) => d.status?.state === DeviceState.DEVICE_STATE_LIVE).length;
      if (live === devices) break;
      const late = Date.now() - startedAt > o.liveTimeoutSeconds * 1000;
      if (late || Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        const states = new Map<string, number>();
        for (const d of statuses) {
          const name = (DeviceState[d.status?.state ?? 0] ?? "?").replace("DEVICE_STATE_", "");
          states.set(name, (states.get(name) ?? 0) + 1);
        }
        log(
          `${live}/${devices} live after ${((Date.now() - startedAt) / 1000).toFixed(0)} s ` +
            `(${[...states].map(([k, v]) => `${k} ${v}`).join(", ")}), supervisor RSS ${mib(memory(pid).rss)} MiB`,
        );
      }
      if (late) {
        const stuck = statuses.filter((d) => d.status?.state !== DeviceState.DEVICE_STATE_LIVE).slice(0, 5);
        for (const d of stuck)
          log(`  not live: ${d.device?.id} ${DeviceState[d.status?.state ?? 0]} ${d.status?.detail ?? ""}`);
        throw new Error(`only ${live} of ${devices} devices live after ${o.liveTimeoutSeconds} s`);
      }
      // ListDevices of 1,000 devices is work for a place too: poll big fleets less often.
      await sleep(devices > 2_000 ? 5_000 : 1_000);
    }
    const allLiveSeconds = (Date.now() - startedAt) / 1000;
    const cpuStartupPercent = ((cpuSeconds(pid) - cpuAtStart) / allLiveSeconds) * 100;
    log(`all ${devices} live after ${allLiveSeconds.toFixed(1)} s; measuring for ${o.seconds} s`);

    // Subscribers on every place, from the current head.
    const probes = new Map<string, Probe>();
    let stored = 0;
    const heads = await Promise.all(places.map((p) => p.head()));
    const watching = places.map(async (p, i) => {
      const abort = new AbortController();
      subscriptions.push(abort);
      try {
        for await (const msg of p.client.watchPunches(
          { fromOffset: heads[i]!, maxBatch: 1000 },
          { signal: abort.signal },
        )) {
          const now = Date.now();
          stored += msg.punches.length;
          for (const punch of msg.punches) if (punch.localTime.startsWith("2031-")) arrived(punch, now);
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    });
    function arrived(punch: Punch, now: number): void {
      const probe = probes.get(`${punch.deviceSerial}|${punch.localTime}`);
      if (!probe || probe.arrivedAt !== undefined) return;
      probe.arrivedAt = now;
      probe.receivedAt = punch.receivedAt?.getTime();
      probe.source = punch.source;
    }

    const steadyFrom = {
      at: Date.now(),
      sup: cpuSeconds(pid),
      places: places.reduce((s, p) => s + cpuSeconds(p.process.pid!), 0),
      sims: sims.reduce((s, sim) => s + cpuSeconds(sim.process.pid!), 0),
      bench: process.cpuUsage(),
      machine: machineCpu(),
    };
    // Probes: one punch every 1/probes s on a random device, each at its own wall-clock second.
    let sent = 0;
    const failures: string[] = [];
    const timer = setInterval(() => {
      const { sim, d } = fleet[Math.floor(Math.random() * fleet.length)]!;
      const timestamp = new Date(PROBE_EPOCH + sent * 1000).toISOString().slice(0, 19);
      sent++;
      probes.set(`${d.serial}|${timestamp}`, { serial: d.serial, sentAt: Date.now() });
      sim.punch(d.index, { timestamp, punch: 0 }).catch((err: Error) => failures.push(err.message));
    }, 1000 / o.probes);
    await sleep(o.seconds * 1000);
    clearInterval(timer);
    const steadySeconds = (Date.now() - steadyFrom.at) / 1000;
    const pct = (cpu: number) => ((cpu / steadySeconds) * 100).toFixed(1);
    const steady = {
      sup: pct(cpuSeconds(pid) - steadyFrom.sup),
      places: pct(places.reduce((s, p) => s + cpuSeconds(p.process.pid!), 0) - steadyFrom.places),
      sims: pct(sims.reduce((s, sim) => s + cpuSeconds(sim.process.pid!), 0) - steadyFrom.sims),
      bench: pct(((u) => (u.user + u.system) / 1e6)(process.cpuUsage(steadyFrom.bench))),
      machine: ((m) => ((m.busy - steadyFrom.machine.busy) / (m.total - steadyFrom.machine.total)) * 100)(
        machineCpu(),
      ).toFixed(0),
    };
    const storedPerSecond = stored / steadySeconds;
    const mem = memory(pid);
    const fds = openFiles(pid);
    // Let the last probes arrive (bounded).
    const graceEnd = Date.now() + 10_000;
    while ([...probes.values()].some((p) => p.arrivedAt === undefined) && Date.now() < graceEnd)
      await sleep(50);
    if (failures.length) log(`${failures.length} probe punches failed, e.g. ${failures[0]}`);

    const done = [...probes.values()].filter((p) => p.arrivedAt !== undefined);
    const toSub = done.map((p) => p.arrivedAt! - p.sentAt).sort((a, b) => a - b);
    const toSup = done
      .filter((p) => p.source === PunchSource.PUNCH_SOURCE_DEVICE_LIVE && p.receivedAt !== undefined)
      .map((p) => p.receivedAt! - p.sentAt)
      .sort((a, b) => a - b);
    subscriptions.forEach((a) => a.abort());
    await Promise.all(watching);
    finished = true;
    return {
      devices,
      places: places.length,
      simProcesses: sims.length,
      livePunchesPerMinPerDevice: perDevicePerMin,
      allLiveSeconds: round(allLiveSeconds, 1),
      devicesLive: live,
      supervisor: {
        peakRssMiB: mib(mem.peakRss),
        rssMiB: mib(mem.rss),
        openFiles: fds,
        cpuStartupPercent: round(cpuStartupPercent, 1),
        cpuSteadyPercent: Number(steady.sup),
      },
      placesCpuSteadyPercent: Number(steady.places),
      simulatorsCpuSteadyPercent: Number(steady.sims),
      benchCpuSteadyPercent: Number(steady.bench),
      machineBusySteadyPercent: Number(steady.machine),
      otherLoadSteadyPercent: Math.max(
        0,
        Math.round(
          Number(steady.machine) -
            (Number(steady.sup) + Number(steady.places) + Number(steady.sims) + Number(steady.bench)) /
              cpus().length,
        ),
      ),
      storedPerSecond: round(storedPerSecond, 0),
      probes: { sent, arrived: done.length, viaLive: toSup.length },
      punchToSupervisorMs: { p50: percentile(toSup, 50), p99: percentile(toSup, 99) },
      punchToSubscriberMs: {
        p50: percentile(toSub, 50),
        p99: percentile(toSub, 99),
        max: toSub.at(-1) ?? NaN,
      },
    };
  } finally {
    subscriptions.forEach((a) => a.abort());
    await supervisor?.stop("SIGTERM", 30_000);
    await Promise.all(places.map((p) => p.stop().catch(() => undefined)));
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    if (o.keep || !finished) log(`logs and journals kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

function report(results: readonly RunResult[]): string {
  const rows: [string, (r: RunResult) => string | number][] = [
    ["devices", (r) => r.devices],
    ["places / zk-sim processes", (r) => `${r.places} / ${r.simProcesses}`],
    ["live punches per device", (r) => `${r.livePunchesPerMinPerDevice}/min`],
    ["all devices LIVE after", (r) => `${r.allLiveSeconds} s`],
    ["supervisor peak RSS", (r) => `${r.supervisor.peakRssMiB} MiB`],
    ["supervisor RSS (steady)", (r) => `${r.supervisor.rssMiB} MiB`],
    ["supervisor open files", (r) => r.supervisor.openFiles],
    ["supervisor CPU, start-up", (r) => `${r.supervisor.cpuStartupPercent} %`],
    ["supervisor CPU, steady", (r) => `${r.supervisor.cpuSteadyPercent} %`],
    ["places CPU (all), steady", (r) => `${r.placesCpuSteadyPercent} %`],
    ["zk-sim CPU (all), steady", (r) => `${r.simulatorsCpuSteadyPercent} %`],
    ["bench (probes, subscribers) CPU", (r) => `${r.benchCpuSteadyPercent} %`],
    [`machine busy (${cpus().length} cores = 100 %)`, (r) => `${r.machineBusySteadyPercent} %`],
    ["  of which other processes", (r) => `${r.otherLoadSteadyPercent} %`],
    ["punches stored / s", (r) => r.storedPerSecond],
    ["probes sent / arrived / live", (r) => `${r.probes.sent} / ${r.probes.arrived} / ${r.probes.viaLive}`],
    [
      "punch -> supervisor p50 / p99",
      (r) => `${r.punchToSupervisorMs.p50} / ${r.punchToSupervisorMs.p99} ms`,
    ],
    [
      "punch -> stored+subscriber p50 / p99",
      (r) => `${r.punchToSubscriberMs.p50} / ${r.punchToSubscriberMs.p99} ms`,
    ],
    ["punch -> subscriber max", (r) => `${r.punchToSubscriberMs.max} ms`],
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
    `RESULT ${JSON.stringify({ bench: "fleet", machine: host, options: { ...o, keep: undefined }, runs: results })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:fleet failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
