import {
  PlaceLinkState,
  type DeviceAssignment,
  type PlaceLinkStatus,
  type SupervisedDevice,
} from "@biometricflow/proto";
import type { StateValue } from "xstate";
import type { DeviceContext } from "../machines/device-context.js";
import { deviceStatus } from "../machines/device-status.js";
import type { LinkPhase, LinkState } from "../link/link-state.js";

const PHASE: Record<LinkPhase, PlaceLinkState> = {
  connecting: PlaceLinkState.PLACE_LINK_STATE_CONNECTING,
  attached: PlaceLinkState.PLACE_LINK_STATE_ATTACHED,
  retrying: PlaceLinkState.PLACE_LINK_STATE_RETRYING,
  stopped: PlaceLinkState.PLACE_LINK_STATE_STOPPED,
};

/** "active.live.idle" for { active: { live: "idle" } } (the machine has no parallel states). */
export function stateName(value: StateValue): string {
  if (typeof value === "string") return value;
  const [key, inner] = Object.entries(value)[0] ?? [];
  if (key === undefined) return "";
  return inner === undefined || (typeof inner === "object" && Object.keys(inner).length === 0)
    ? key
    : `${key}.${stateName(inner as StateValue)}`;
}

/** What an SRE sees of one device actor: a pure view of its snapshot. */
export function supervisedDevice(value: StateValue, c: DeviceContext): SupervisedDevice {
  return {
    status: deviceStatus(c),
    machineState: stateName(value),
    cursor: { ...c.cursor },
    queuedCommands: c.commands.length,
  };
}

export function placeLinkStatus(
  address: string,
  link: LinkState,
  assignment: DeviceAssignment | undefined,
  devices: SupervisedDevice[],
): PlaceLinkStatus {
  return {
    address,
    placeId: assignment?.placeId ?? "",
    timezone: assignment?.timezone ?? "",
    state: PHASE[link.phase],
    stateSince: link.since > 0 ? new Date(link.since) : undefined,
    lastError: link.lastError,
    attachFailures: link.failures,
    devices,
  };
}
