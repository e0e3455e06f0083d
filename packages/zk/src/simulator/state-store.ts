import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { DeviceData, DeviceState, FirmwareProfile } from "./device-state.js";

/**
 * Keeps a simulated device's users, attendance log, options and clock across process restarts.
 * One folder per device (named by serial number):
 *   device.json     profile, options, clock offset; written last, so its presence marks a complete save
 *   users.json      the users
 *   attendance.dat  the log in the device's own record format (40 or 16 bytes each)
 * Snapshots are written atomically (temp file + rename); a live punch appends its record bytes.
 */

const metaSchema = z.object({
  format: z.literal(1),
  serialNumber: z.string(),
  profile: z.enum(["modern", "old"]),
  recordSize: z.number().int().positive(),
  options: z.record(z.string(), z.string()),
  clockOffsetSeconds: z.number().int(),
});

const usersSchema = z.array(
  z.object({
    uid: z.number().int().min(1).max(0xffff),
    userId: z.string(),
    name: z.string(),
    privilege: z.number().int().min(0).max(255),
    password: z.string(),
    card: z.number().int().min(0).max(0xffffffff),
    group: z.number().int().min(0).max(255),
  }),
);

export type StoredMeta = z.infer<typeof metaSchema>;

const META = "device.json";
const USERS = "users.json";
const ATTENDANCE = "attendance.dat";

let tmpCounter = 0;

/** Write a whole file so a crash leaves either the old or the new content, never a mix. */
function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function corrupt(file: string, why: string): Error {
  return new Error(`simulator state file ${file} is corrupt: ${why}`);
}

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw corrupt(file, (err as Error).message);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw corrupt(file, `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

export class StateStore {
  /** Per-device write chains keep appends and snapshots in order. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Write errors not yet reported, by device. */
  private readonly failures = new Map<string, Error>();

  constructor(readonly root: string) {}

  /** The folder of the device with this serial number (unsafe characters replaced). */
  dirFor(serialNumber: string): string {
    return path.join(this.root, serialNumber.replace(/[^A-Za-z0-9._-]/g, "_"));
  }

  /** The saved metadata, or undefined when nothing complete was saved. Throws on a corrupt file. */
  readMeta(serialNumber: string, profile: FirmwareProfile): StoredMeta | undefined {
    const file = path.join(this.dirFor(serialNumber), META);
    if (!existsSync(file)) return undefined;
    const meta = readJson(file, metaSchema);
    if (meta.profile !== profile) {
      throw new Error(`simulator state file ${file} holds a "${meta.profile}" device, not "${profile}"`);
    }
    return meta;
  }

  /** Users and log saved for this device (call after readMeta found it). */
  readData(serialNumber: string, meta: StoredMeta): DeviceData {
    const dir = this.dirFor(serialNumber);
    const users = readJson(path.join(dir, USERS), usersSchema);
    const logFile = path.join(dir, ATTENDANCE);
    let attendanceBytes: Buffer;
    try {
      attendanceBytes = readFileSync(logFile);
    } catch (err) {
      throw corrupt(logFile, (err as Error).message);
    }
    if (attendanceBytes.length % meta.recordSize !== 0) {
      throw corrupt(
        logFile,
        `${attendanceBytes.length} bytes is not a whole number of ${meta.recordSize}-byte records`,
      );
    }
    return { users, attendanceBytes };
  }

  /**
   * Persist every change of `state` from now on. With `saveOnLoad`, the first materialisation of
   * its data (generated, not loaded) is saved as a full snapshot. Returns a detach function.
   */
  attach(state: DeviceState, saveOnLoad: boolean): () => void {
    const serial = state.serialNumber;
    const dir = this.dirFor(serial);
    const file = (name: string): string => path.join(dir, name);
    const meta = (): string => {
      const m: StoredMeta = {
        format: 1,
        serialNumber: serial,
        profile: state.profile,
        recordSize: state.format.attendanceSize,
        options: state.allOptions(),
        clockOffsetSeconds: state.clockOffsetSeconds,
      };
      return `${JSON.stringify(m, null, 2)}\n`;
    };
    const users = (): string => `${JSON.stringify(state.users())}\n`;
    // Until the first full snapshot, there is nothing for a metadata-only write to describe.
    let saved = !saveOnLoad;
    return state.onChange((change) => {
      // Capture the data now: by the time the write runs, more punches may be in memory.
      switch (change.kind) {
        case "loaded": {
          if (saved) return;
          saved = true;
          const log = Buffer.from(state.attendanceBytes());
          const u = users();
          const m = meta();
          this.enqueue(serial, () => {
            mkdirSync(dir, { recursive: true });
            writeAtomic(file(ATTENDANCE), log);
            writeAtomic(file(USERS), u);
            writeAtomic(file(META), m);
          });
          return;
        }
        case "punch": {
          const bytes = change.bytes;
          this.enqueue(serial, () => appendFile(file(ATTENDANCE), bytes));
          return;
        }
        case "record-corrupted": {
          if (change.appended) {
            const bytes = change.bytes;
            this.enqueue(serial, () => appendFile(file(ATTENDANCE), bytes));
          } else {
            const log = Buffer.from(state.attendanceBytes());
            this.enqueue(serial, () => writeAtomic(file(ATTENDANCE), log));
          }
          return;
        }
        case "attendance-cleared":
          this.enqueue(serial, () => writeAtomic(file(ATTENDANCE), Buffer.alloc(0)));
          return;
        case "users": {
          const u = users();
          this.enqueue(serial, () => writeAtomic(file(USERS), u));
          return;
        }
        case "options":
        case "clock": {
          if (!saved) return;
          const m = meta();
          this.enqueue(serial, () => {
            mkdirSync(dir, { recursive: true });
            writeAtomic(file(META), m);
          });
          return;
        }
        case "reboot":
          return;
      }
    });
  }

  private enqueue(serial: string, job: () => unknown): void {
    const previous = this.chains.get(serial) ?? Promise.resolve();
    const next = previous.then(job).then(
      () => undefined,
      (err: Error) => {
        // A failed write must not stop later ones; it is reported on flush().
        if (!this.failures.has(serial)) this.failures.set(serial, err);
      },
    );
    this.chains.set(serial, next);
  }

  /** Wait for queued writes (of one device, or all); rejects with a write error not yet reported. */
  async flush(serialNumber?: string): Promise<void> {
    const serials = serialNumber === undefined ? [...this.chains.keys()] : [serialNumber];
    await Promise.all(serials.map((s) => this.chains.get(s)));
    for (const serial of serials) {
      const failure = this.failures.get(serial);
      this.failures.delete(serial);
      if (failure) throw failure;
    }
  }
}
