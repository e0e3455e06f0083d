import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChannelClient } from "@biometricflow/grpc-kit";
import {
  PlaceServiceDefinition,
  PunchSource,
  SupervisorLinkServiceDefinition,
  type CapturedPunch,
  type Punch,
  type PunchBlock,
} from "@biometricflow/proto";
import { createLogger } from "@biometricflow/telemetry";
import { placeConfigSchema, type PlaceConfig } from "../src/config.js";
import { startPlace, type RunningPlace } from "../src/start-place.js";

export const quietLog = createLogger("place-test", "silent");

/** A fresh directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "bf-place-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid config (two devices, Berlin, port 0) with the given changes. */
export function testConfig(dir: string, changes: Record<string, unknown> = {}): PlaceConfig {
  return placeConfigSchema.parse({
    id: "test-site",
    name: "Test site",
    timezone: "Europe/Berlin",
    devices: [
      { id: "d1", serial: "SER-1", host: "127.0.0.1" },
      { id: "d2", serial: "SER-2", host: "127.0.0.1" },
    ],
    grpc: { host: "127.0.0.1", port: 0 },
    journal: { path: join(dir, "journal.db") },
    ...changes,
  });
}

/** `n` distinct punches by user u<i>, one minute apart from `start` (wall clock). */
export function punches(
  n: number,
  o: { start?: string; user?: string; source?: PunchSource } = {},
): CapturedPunch[] {
  const base = Date.parse(`${o.start ?? "2024-05-06T08:00:00"}Z`);
  return Array.from({ length: n }, (_, i) => ({
    userId: o.user ?? `u${i}`,
    localTime: new Date(base + i * 60_000).toISOString().slice(0, 19),
    punchState: 0,
    verifyMethod: 1,
    source: o.source ?? PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    rawRecord: Buffer.alloc(0),
    unreadableReason: "",
    receivedAt: new Date(),
    trace: undefined,
    deviceUid: 0,
  }));
}

export interface TestPlace {
  place: RunningPlace;
  config: PlaceConfig;
  api: ReturnType<typeof createChannelClient<typeof PlaceServiceDefinition>>["client"];
  link: ReturnType<typeof createChannelClient<typeof SupervisorLinkServiceDefinition>>["client"];
  close(): Promise<void>;
}

/** A real place on a free port with real clients; close() stops it and removes its journal. */
export async function startTestPlace(changes: Record<string, unknown> = {}): Promise<TestPlace> {
  const tmp = tempDir();
  const config = testConfig(tmp.dir, changes);
  const place = await startPlace(config, quietLog);
  const api = createChannelClient(PlaceServiceDefinition, place.address);
  const link = createChannelClient(SupervisorLinkServiceDefinition, place.address);
  return {
    place,
    config,
    api: api.client,
    link: link.client,
    async close() {
      api.close();
      link.close();
      await place.shutdown(2_000);
      tmp.remove();
    },
  };
}

/** The first `n` messages of a stream, then cancel it. */
export async function take<T>(stream: AsyncIterable<T>, n: number): Promise<T[]> {
  const got: T[] = [];
  if (n === 0) return got;
  for await (const m of stream) {
    got.push(m);
    if (got.length >= n) break;
  }
  return got;
}

/** Messages as they arrive; next() waits for the next unread one. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((item: T) => void)[] = [];

  push(item: T): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** PunchBlock.packed's columns, in its order: float64 ones first, then uint32 ones. */
export const PACKED_F64 = ["localTimeSeconds", "punchedAtMs", "receivedAtMs"] as const;
export const PACKED_U32 = [
  "placeIdIndex",
  "deviceIdIndex",
  "deviceSerialIndex",
  "userIdIndex",
  "punchState",
  "verifyMethod",
  "dedupKeyLength",
  "traceparentLength",
  "tracestateIndex",
  "source",
] as const;

/**
 * A packed block read back into the repeated fields, as a reader that knows the layout sees it;
 * stringsAt: where the dedup keys' and traceparents' bytes begin in `packed`.
 */
export function unpackBlock(b: PunchBlock): { block: PunchBlock; stringsAt: number } {
  const p = Buffer.from(b.packed);
  const n = b.count;
  const block = { ...b };
  let at = 0;
  for (const k of PACKED_F64) {
    block[k] = Array.from({ length: n }, (_, i) => p.readDoubleLE(at + 8 * i));
    at += 8 * n;
  }
  for (const k of PACKED_U32) {
    block[k] = Array.from({ length: n }, (_, i) => p.readUInt32LE(at + 4 * i));
    at += 4 * n;
  }
  const keyBytes = block.dedupKeyLength.reduce((sum, length) => sum + length, 0);
  block.dedupKeys = p.toString("utf8", at, at + keyBytes);
  block.traceparents = p.toString("utf8", at + keyBytes);
  return { block, stringsAt: at };
}

/** String i of a concatenated column (lengths in UTF-8 bytes). */
export function joinedAt(text: string, lengths: number[], i: number): string {
  const from = lengths.slice(0, i).reduce((a, n) => a + n, 0);
  return Buffer.from(text)
    .subarray(from, from + lengths[i]!)
    .toString();
}

/** A block's punches as Punch messages, read column by column as a client would. */
export function blockPunches(b: PunchBlock): Punch[] {
  const s = (i: number | undefined): string => {
    expect(i).toBeLessThan(b.strings.length);
    return b.strings[i!]!;
  };
  return Array.from({ length: b.count }, (_, i) => ({
    placeId: s(b.placeIdIndex[i]),
    deviceId: s(b.deviceIdIndex[i]),
    deviceSerial: s(b.deviceSerialIndex[i]),
    userId: s(b.userIdIndex[i]),
    localTime: new Date(b.localTimeSeconds[i]! * 1000).toISOString().slice(0, 19),
    punchedAt: new Date(b.punchedAtMs[i]!),
    punchState: b.punchState[i]!,
    verifyMethod: b.verifyMethod[i]!,
    receivedAt: new Date(b.receivedAtMs[i]!),
    dedupKey: joinedAt(b.dedupKeys, b.dedupKeyLength, i),
    offset: b.firstOffset + i,
    trace: {
      traceparent: joinedAt(b.traceparents, b.traceparentLength, i),
      tracestate: s(b.tracestateIndex[i]),
    },
    source: b.source[i]!,
  }));
}
