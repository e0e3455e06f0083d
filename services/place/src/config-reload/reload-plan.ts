import { isDeepStrictEqual } from "node:util";
import type { DeviceConfig, PlaceConfig } from "../config.js";

/**
 * Settings a running place cannot take: its identity and zone (stored punches were read in it),
 * where it listens and stores, and the command timeouts its command bus was built with.
 */
export const RESTART_ONLY = [
  "id",
  "timezone",
  "allowUtcTimezone",
  "grpc",
  "journal",
  "supervisorLink",
  "commands",
] as const;

export interface ReloadPlan {
  added: DeviceConfig[];
  removed: string[];
  /** Devices whose settings changed (host, port, serial, comm key, intervals...). */
  changed: DeviceConfig[];
  /** Other live settings that changed: name, rules, clock. */
  settings: string[];
}

export type ReloadDecision = { plan: ReloadPlan } | { refused: string };

/** What applying `next` over `current` means, or why it cannot be applied while running. */
export function planReload(current: PlaceConfig, next: PlaceConfig): ReloadDecision {
  const fixed = RESTART_ONLY.filter((key) => !isDeepStrictEqual(current[key], next[key]));
  if (fixed.length > 0) {
    return {
      refused:
        `${fixed.join(", ")} cannot change while the place runs (restart bf-place to apply ` +
        `${fixed.length === 1 ? "it" : "them"}); undo ${fixed.length === 1 ? "that change" : "those changes"} to reload the rest`,
    };
  }
  const before = new Map(current.devices.map((d) => [d.id, d]));
  const after = new Set(next.devices.map((d) => d.id));
  return {
    plan: {
      added: next.devices.filter((d) => !before.has(d.id)),
      removed: current.devices.filter((d) => !after.has(d.id)).map((d) => d.id),
      changed: next.devices.filter((d) => before.has(d.id) && !isDeepStrictEqual(before.get(d.id), d)),
      settings: (["name", "rules", "clock"] as const).filter((k) => !isDeepStrictEqual(current[k], next[k])),
    },
  };
}

export function isEmptyPlan(p: ReloadPlan): boolean {
  return p.added.length + p.removed.length + p.changed.length + p.settings.length === 0;
}
