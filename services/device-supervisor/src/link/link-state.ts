/** Where a place link stands, as the Attach loop sees it. */
export type LinkPhase = "connecting" | "attached" | "retrying" | "stopped";

export interface LinkState {
  phase: LinkPhase;
  /** ms since epoch of the last phase change. */
  since: number;
  /** Why the last Attach stream ended; "" when none did. */
  lastError: string;
  /** Attach streams in a row that ended without delivering anything. */
  failures: number;
}

export const INITIAL_LINK_STATE: LinkState = { phase: "connecting", since: 0, lastError: "", failures: 0 };

/** The next link state: pure, so the loop only reports what happened. */
export function nextLinkState(s: LinkState, phase: LinkPhase, now: number, error?: string): LinkState {
  if (phase === s.phase && error === undefined) return s;
  return {
    phase,
    since: phase === s.phase ? s.since : now,
    lastError: error ?? s.lastError,
    failures: phase === "retrying" ? s.failures + 1 : phase === "attached" ? 0 : s.failures,
  };
}
