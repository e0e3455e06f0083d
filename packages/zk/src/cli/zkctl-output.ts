import { SingleBar } from "cli-progress";
import Table from "cli-table3";
import type { DeviceInfo } from "../client/index.js";
import {
  privilegeName,
  type AttendanceRecord,
  type DecodedAttendanceLog,
  type ZkUser,
} from "../protocol/index.js";

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Progress bars and colours only on a terminal. */
  isTTY: boolean;
}

export const processOutput: Output = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

export function printInfo(info: DeviceInfo, json: boolean, out: Output): void {
  if (json) {
    out.stdout(`${JSON.stringify(info)}\n`);
    return;
  }
  const table = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of Object.entries(info)) table.push({ [key]: String(value) });
  out.stdout(`${table.toString()}\n`);
}

/** The contract shape of a user: {uid, userId, name, privilege, card}. */
export function userView(u: ZkUser) {
  return { uid: u.uid, userId: u.userId, name: u.name, privilege: privilegeName(u.privilege), card: u.card };
}

export function printUsers(users: ZkUser[], json: boolean, out: Output): void {
  if (json) {
    out.stdout(`${JSON.stringify(users.map(userView))}\n`);
    return;
  }
  const table = new Table({
    head: ["uid", "user id", "name", "privilege", "card"],
    style: { head: [], border: [] },
  });
  for (const u of users) table.push([u.uid, u.userId, u.name, privilegeName(u.privilege), u.card || ""]);
  out.stdout(`${table.toString()}\n${users.length} users\n`);
}

const PUNCH = ["check-in", "check-out", "break-out", "break-in", "overtime-in", "overtime-out"];
const VERIFY: Record<number, string> = { 0: "password", 1: "fingerprint", 2: "card", 15: "face" };

/** The contract shape: {uid, userId, timestamp, verify, punch}; written in slices to bound memory. */
export function printAttendance(records: AttendanceRecord[], json: boolean, out: Output): void {
  const slice = 10_000;
  if (json) {
    if (records.length === 0) out.stdout("[]\n");
    for (let i = 0; i < records.length; i += slice) {
      const part = records.slice(i, i + slice).map((r) =>
        JSON.stringify({
          uid: r.uid,
          userId: r.userId,
          timestamp: r.timestamp,
          verify: r.verify,
          punch: r.punch,
        }),
      );
      out.stdout(`${i === 0 ? "[" : ","}${part.join(",")}${i + slice >= records.length ? "]\n" : ""}`);
    }
    return;
  }
  // A table library would hold every row twice for a 200k-record log: plain columns stream.
  out.stdout(
    `${"timestamp".padEnd(20)}${"user id".padEnd(12)}${"uid".padEnd(7)}${"punch".padEnd(14)}verify\n`,
  );
  for (let i = 0; i < records.length; i += slice) {
    const lines = records
      .slice(i, i + slice)
      .map(
        (r) =>
          `${r.timestamp.padEnd(20)}${r.userId.padEnd(12)}${String(r.uid).padEnd(7)}${(PUNCH[r.punch] ?? `state ${r.punch}`).padEnd(14)}${VERIFY[r.verify] ?? `method ${r.verify}`}\n`,
      );
    out.stdout(lines.join(""));
  }
  out.stdout(`${records.length} records\n`);
}

/**
 * Records of the log that could not be decoded: a warning on stderr naming how many and why,
 * then one line per record with its position and bytes, so nothing the device held goes unseen.
 */
export function printUnreadable(log: DecodedAttendanceLog, out: Output): void {
  const n = log.unreadable.length;
  const total = n + log.records.length;
  const reasons = [...new Set(log.unreadable.map((u) => u.reason.replace(/0x[0-9a-f]+/g, "0x...")))];
  out.stderr(
    `zkctl: warning: ${n} of ${total} attendance records could not be read and are not in the output ` +
      `(${reasons.join("; ")}):\n`,
  );
  for (const u of log.unreadable) out.stderr(`  record ${u.index}: ${u.reason}; bytes ${u.bytes}\n`);
}

/** A progress bar on stderr for long pulls; update(received, total) in bytes. */
export function progressBar(_out: Output): {
  update: (received: number, total: number) => void;
  stop: () => void;
} {
  const bar = new SingleBar({
    format: "reading attendance [{bar}] {percentage}% | {value}/{total} KiB | eta {eta}s",
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    update: (received, total) => {
      const kib = (n: number) => Math.ceil(n / 1024);
      if (!started) {
        bar.start(kib(total), 0);
        started = true;
      }
      bar.update(kib(received));
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
