import type { CompleteCommandRequest, DeviceCommand } from "@biometricflow/proto";
import { ZkError } from "@biometricflow/zk";
import { describeError } from "../errors.js";
import { clearLog } from "./clear-log.js";
import { setPlaceTime } from "./clock-check.js";
import type { Cursor } from "./cursor.js";
import { deviceUser } from "./device-user.js";
import { pull } from "./pull.js";
import type { SyncTarget } from "./sync-target.js";

export interface CommandRun {
  target: SyncTarget;
  command: DeviceCommand;
  cursor: Cursor;
  timezone: string;
}

export interface CommandOutcome {
  /** Set when the command moved the cursor (pull, clear_log). */
  cursor?: Cursor;
  /** Set when the command set the clock. */
  driftSeconds?: number;
}

type Answer = Partial<Omit<CompleteCommandRequest, "commandId" | "ok" | "error">>;

const EMPTY_ANSWER = { timeBefore: "", timeAfter: "", stored: 0, cleared: 0, retryable: false };

/** The session is gone (not just this command refused): the actor must reconnect. */
function sessionLost(err: unknown): boolean {
  return (
    err instanceof ZkError &&
    (err.kind === "network" || err.kind === "timeout" || err.kind === "unauthenticated")
  );
}

/**
 * Execute one command from the place and answer it with CompleteCommand. A refused command is
 * answered and the device stays live; a lost session is answered and rethrown.
 */
export async function runCommand(r: CommandRun): Promise<CommandOutcome> {
  const { target: t, command } = r;
  let outcome: CommandOutcome = {};
  try {
    const answer = await execute(r, (o) => (outcome = o));
    await t.link.completeCommand({
      commandId: command.commandId,
      ok: true,
      error: "",
      ...EMPTY_ANSWER,
      ...answer,
    });
    return outcome;
  } catch (err) {
    await t.link
      .completeCommand({
        commandId: command.commandId,
        ok: false,
        error: describeError(err),
        ...EMPTY_ANSWER,
        retryable: sessionLost(err), // the device may never have seen it: the place may send it again
      })
      .catch(() => undefined); // the place re-sends commands it never heard back about
    if (sessionLost(err)) throw err;
    return outcome;
  }
}

async function execute(r: CommandRun, set: (o: CommandOutcome) => void): Promise<Answer> {
  const { target: t, command: c } = r;
  if (c.upsertUser) {
    if (!c.upsertUser.user?.userId) throw new Error("upsert_user without a user id");
    const user = deviceUser(c.upsertUser.user, c.upsertUser.password, await t.port.getUsers());
    await t.port.setUser(user);
    return {};
  }
  if (c.deleteUser) {
    const userId = c.deleteUser.userId;
    // Every slot holding this badge goes; none is already the wanted outcome.
    for (const u of (await t.port.getUsers()).filter((u) => u.userId === userId))
      await t.port.deleteUser(u.uid);
    return {};
  }
  if (c.syncTime) {
    const timeBefore = await t.port.getTime();
    const timeAfter = await setPlaceTime(t.port, r.timezone);
    set({ driftSeconds: 0 });
    return { timeBefore, timeAfter };
  }
  if (c.pull) {
    const result = await pull(t, r.cursor, true);
    set({ cursor: result.cursor });
    return { stored: result.stored };
  }
  if (c.clearLog) {
    const result = await clearLog(t, r.cursor, c.clearLog.actor || t.link.supervisorId, c.clearLog.reason);
    set({ cursor: result.cursor });
    return { stored: result.stored, cleared: result.cleared };
  }
  throw new Error("command with no action this supervisor knows");
}
