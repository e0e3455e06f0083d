import type { Logger } from "@biometricflow/telemetry";
import type { PlaceConfig } from "../config.js";
import type { DeviceStatusBoard } from "../devices/device-status-board.js";
import { recordDevices } from "../devices/record-devices.js";
import type { Journal } from "../journal/journal.js";
import type { SupervisorHub } from "../supervisors/supervisor-hub.js";
import { isEmptyPlan, planReload, type ReloadPlan } from "./reload-plan.js";

/** The configuration every part of a running place reads: replaced whole on a reload. */
export interface LiveConfig {
  current: PlaceConfig;
}

export interface PlaceReloaderDeps {
  live: LiveConfig;
  /** The set ingest and the gRPC handlers check device ids against: updated in place. */
  deviceIds: Set<string>;
  board: DeviceStatusBoard;
  journal: Journal;
  hub: Pick<SupervisorHub, "reassign">;
  log: Logger;
}

export type ReloadResult =
  { outcome: "applied"; plan: ReloadPlan } | { outcome: "unchanged" } | { outcome: "refused"; error: string };

/**
 * Apply a new configuration to a running place: devices added, removed or changed reach the
 * journal, the status board and (through a new assignment) the supervisor, which spawns and stops
 * device actors. An unreadable, invalid or restart-only change is refused with one error line and
 * the place keeps running on what it had. Every applied change is audited.
 */
export class PlaceReloader {
  constructor(private readonly d: PlaceReloaderDeps) {}

  /** `load` reads and validates the configuration (throwing a ConfigError when it cannot). */
  reload(load: () => PlaceConfig, trigger: string): ReloadResult {
    const { d } = this;
    let next: PlaceConfig;
    try {
      next = load();
    } catch (err) {
      return this.refuse(trigger, oneLine((err as Error).message));
    }
    const decision = planReload(d.live.current, next);
    if ("refused" in decision) return this.refuse(trigger, decision.refused);
    const { plan } = decision;
    if (isEmptyPlan(plan)) {
      d.log.debug({ trigger }, "configuration reloaded: nothing changed");
      return { outcome: "unchanged" };
    }
    const atMs = Date.now();
    const actor = `config:${trigger}`;
    try {
      d.journal.transaction(() => {
        recordDevices(d.journal, next.devices, actor, atMs);
        const dropped = plan.removed.reduce((n, id) => n + d.journal.outbox.dropDevice(id), 0);
        d.journal.audit.record({
          atMs,
          actor,
          action: "place.config.reload",
          target: next.id,
          detail: {
            added: plan.added.map((x) => x.id),
            removed: plan.removed,
            changed: plan.changed.map((x) => x.id),
            settings: plan.settings,
            ...(dropped > 0 ? { pendingUserChangesDropped: dropped } : {}),
          },
        });
      });
    } catch (err) {
      return this.refuse(trigger, `the journal could not record it: ${(err as Error).message}`);
    }
    d.live.current = next;
    for (const id of plan.removed) d.deviceIds.delete(id);
    for (const x of plan.added) d.deviceIds.add(x.id);
    d.board.setDevices(
      next.devices.map((x) => x.id),
      new Date(atMs),
      "added to the configuration; waiting for its supervisor",
    );
    d.hub.reassign();
    d.log.info(
      {
        trigger,
        added: plan.added.map((x) => x.id),
        removed: plan.removed,
        changed: plan.changed.map((x) => x.id),
        settings: plan.settings,
      },
      "configuration reloaded",
    );
    return { outcome: "applied", plan };
  }

  private refuse(trigger: string, error: string): ReloadResult {
    this.d.log.error(
      { trigger },
      `configuration reload refused, still running on the previous one: ${error}`,
    );
    return { outcome: "refused", error };
  }
}

/** A multi-line ConfigError ("invalid configuration (file ...):\n  path: problem") as one line. */
function oneLine(message: string): string {
  return message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("; ")
    .replace(":;", ":");
}
