import { DeviceState, type Punch } from "@biometricflow/proto";
import type { UnreadableAttendanceRecord } from "@biometricflow/zk";
import { PlaceProcess } from "./place.js";
import { eventually } from "./poll.js";
import { SimFleet, type SimFleetOptions } from "./sim-fleet.js";

/** One simulated site: a zk-sim process with its devices and the bf-place process that owns them. */
export interface Site {
  id: string;
  sim: SimFleet;
  place: PlaceProcess;
  /** Place device id of simulated device i. */
  deviceIds: string[];
}

export interface SiteOptions extends Omit<SimFleetOptions, "name" | "timezone"> {
  id: string;
  timezone?: string;
  pullIntervalSeconds?: number;
  placeEnv?: Record<string, string>;
}

export async function startSite(o: SiteOptions): Promise<Site> {
  const timezone = o.timezone ?? "Africa/Lagos";
  const sim = await SimFleet.start({ ...o, name: o.id, timezone });
  const deviceIds = sim.devices.map((d) => `${o.id}-dev-${d.index}`);
  try {
    const place = await PlaceProcess.start({
      id: o.id,
      timezone,
      dir: o.dir,
      devices: sim.devices.map((d, i) => ({
        id: deviceIds[i]!,
        serial: d.serial,
        host: d.host,
        port: d.port,
      })),
      pullIntervalSeconds: o.pullIntervalSeconds,
      env: o.placeEnv,
    });
    return { id: o.id, sim, place, deviceIds };
  } catch (err) {
    await sim.stop();
    throw err;
  }
}

export async function stopSites(sites: readonly Site[]): Promise<void> {
  await Promise.all(sites.map((s) => s.place.stop().catch(() => undefined)));
  await Promise.all(sites.map((s) => s.sim.stop().catch(() => undefined)));
}

/** The identity of a punch, as a device states it: serial, user, wall-clock time, state. */
export function punchKey(serial: string, userId: string, localTime: string, punchState: number): string {
  return JSON.stringify([serial, userId, localTime, punchState]);
}

export function journalKey(p: Punch): string {
  return punchKey(p.deviceSerial, p.userId, p.localTime, p.punchState);
}

export interface SiteTruth {
  /** Distinct punches over every device of the site. */
  keys: Set<string>;
  /**
   * Raw log length of each device (double records and unreadable records included): the cursor
   * a full sync ends on.
   */
  logLengths: number[];
  /** Each device's records that cannot be read (position, bytes, reason). */
  unreadable: UnreadableAttendanceRecord[][];
}

/** What the devices hold, read with the ZK client (faults must be cleared first). */
export async function readTruth(site: Site): Promise<SiteTruth> {
  const keys = new Set<string>();
  const logLengths: number[] = [];
  const unreadable: UnreadableAttendanceRecord[][] = [];
  for (const d of site.sim.devices) {
    const log = await site.sim.readFullLog(d.index);
    logLengths.push(log.records.length + log.unreadable.length);
    unreadable.push(log.unreadable);
    for (const r of log.records) keys.add(punchKey(d.serial, r.userId, r.timestamp, r.punch));
  }
  return { keys, logLengths, unreadable };
}

/** One line per device: state, cursor, what it says about itself. */
export async function describeSite(site: Site): Promise<string> {
  try {
    const [{ devices }, head] = await Promise.all([site.place.client.listDevices({}), site.place.head()]);
    const states = devices.map(
      (d) =>
        `${d.device?.id}: ${DeviceState[d.status?.state ?? 0]} cursor ${d.status?.recordsIngested} ` +
        `on-device ${d.status?.recordsOnDevice} ${d.status?.detail ?? ""}`,
    );
    return `${site.id} head ${head}; ${states.join("; ")}`;
  } catch (err) {
    return `${site.id}: ${(err as Error).message}`;
  }
}

/**
 * Wait until the journal holds as many punches as the devices and every device's cursor is at the
 * end of its log, then compare contents: every device punch once, nothing else. Finally a forced
 * pull of each device must store nothing new (nothing was left behind, nothing is sent twice).
 */
export async function expectExactlyOnce(
  site: Site,
  o: { timeoutMs?: number; expectedKeys?: ReadonlySet<string> } = {},
): Promise<SiteTruth> {
  const truth = await readTruth(site);
  // Punches no longer on a device (its log was cleared) are expected from before the clear.
  const expected = o.expectedKeys ?? truth.keys;
  await eventually(
    `${site.id}: journal to hold the ${expected.size} distinct device punches, every cursor at its log's end`,
    async () => {
      const [head, { devices }] = await Promise.all([site.place.head(), site.place.client.listDevices({})]);
      if (head > expected.size) return true; // already too many: the comparison below says which
      const cursors = site.deviceIds.map(
        (id) => devices.find((d) => d.device?.id === id)?.status?.recordsIngested,
      );
      return head === expected.size && cursors.every((c, i) => c === truth.logLengths[i]);
    },
    { timeoutMs: o.timeoutMs ?? 60_000, intervalMs: 100, describe: () => describeSite(site) },
  );
  expectJournalMatches(await site.place.journal(), expected, site.id);
  for (const id of site.deviceIds) {
    const { stored } = await site.place.client.triggerPull({ deviceId: id }, { deadline: 30_000 });
    expect({ device: id, stored }).toEqual({ device: id, stored: 0 });
  }
  expect(await site.place.head()).toBe(expected.size);
  return truth;
}

/** The journal is exactly the truth: gap-free offsets, no key twice, none missing, none extra. */
export function expectJournalMatches(
  journal: readonly Punch[],
  truth: ReadonlySet<string>,
  what: string,
): void {
  expect(journal.map((p) => p.offset)).toEqual(journal.map((_, i) => i + 1));
  const counts = new Map<string, number>();
  for (const p of journal) counts.set(journalKey(p), (counts.get(journalKey(p)) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  const missing = [...truth].filter((k) => !counts.has(k));
  const extra = [...counts.keys()].filter((k) => !truth.has(k));
  expect({
    what,
    duplicates: duplicates.slice(0, 5),
    missing: missing.slice(0, 5),
    extra: extra.slice(0, 5),
  }).toEqual({ what, duplicates: [], missing: [], extra: [] });
  expect({ what, journal: journal.length, distinct: counts.size }).toEqual({
    what,
    journal: truth.size,
    distinct: truth.size,
  });
}

/** Every device of the site is LIVE at its place (connected, caught up, capturing). */
export async function waitAllLive(site: Site, timeoutMs = 30_000): Promise<void> {
  await eventually(
    `${site.id}: every device live`,
    async () => {
      const { devices } = await site.place.client.listDevices({});
      return (
        devices.length === site.deviceIds.length &&
        devices.every((d) => d.status?.state === DeviceState.DEVICE_STATE_LIVE)
      );
    },
    { timeoutMs, intervalMs: 100, describe: () => describeSite(site) },
  );
}
