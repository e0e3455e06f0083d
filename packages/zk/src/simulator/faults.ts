/**
 * Network and device faults a test can inject (CLI `--fault SPEC`). Parsing and the per-packet
 * decisions are pure; the device server applies them to sockets and timers.
 *
 * Grammar: SPEC = ITEM { "," ITEM }, with ITEM one of
 *   latency=MS                  delay every reply by MS milliseconds
 *   drop-after=BYTES[:always]   close the TCP connection once BYTES of a bulk transfer are sent
 *                               (once per device, or on every transfer with ":always")
 *   corrupt-checksum=N          corrupt the checksum of every Nth packet the device sends
 *   stall=N                     stop answering after N requests on a connection (socket stays open)
 *   refuse                      close every new connection at once; ignore UDP
 *   reboot=SECONDS              reboot every SECONDS: sessions and event registrations are lost
 *   clock-jump=[+|-]SECONDS     shift the device clock once, when the plan is applied
 * An empty spec (or "none") is the empty plan.
 */
export interface FaultPlan {
  latencyMs?: number;
  dropAfter?: { bytes: number; always: boolean };
  corruptChecksumEvery?: number;
  stallAfter?: number;
  refuse?: boolean;
  rebootEverySeconds?: number;
  clockJumpSeconds?: number;
}

export const FAULT_KINDS = [
  "latency=MS",
  "drop-after=BYTES[:always]",
  "corrupt-checksum=N",
  "stall=N",
  "refuse",
  "reboot=SECONDS",
  "clock-jump=[+|-]SECONDS",
] as const;

function fail(part: string, why: string): never {
  throw new Error(`bad fault "${part}": ${why}; valid kinds: ${FAULT_KINDS.join(", ")}`);
}

function integer(part: string, text: string | undefined, min: number): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) fail(part, "expected a whole number");
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) fail(part, `expected a whole number >= ${min}`);
  return n;
}

function positive(part: string, text: string | undefined): number {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    fail(part, "expected a number of seconds > 0");
  }
  return Number(text);
}

export function parseFaultSpec(spec: string): FaultPlan {
  const plan: FaultPlan = {};
  const trimmed = spec.trim();
  if (trimmed === "" || trimmed === "none") return plan;
  const seen = new Set<string>();
  for (const raw of trimmed.split(",")) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    const kind = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    if (part === "") fail(raw, "empty item");
    if (seen.has(kind)) fail(part, "given twice");
    seen.add(kind);
    switch (kind) {
      case "latency":
        plan.latencyMs = integer(part, value, 0);
        break;
      case "drop-after": {
        const [bytes, flag, ...rest] = (value ?? "").split(":");
        if ((flag !== undefined && flag !== "always") || rest.length > 0)
          fail(part, 'only ":always" may follow');
        plan.dropAfter = { bytes: integer(part, bytes, 0), always: flag === "always" };
        break;
      }
      case "corrupt-checksum":
        plan.corruptChecksumEvery = integer(part, value, 1);
        break;
      case "stall":
        plan.stallAfter = integer(part, value, 0);
        break;
      case "refuse":
        if (value !== undefined) fail(part, "takes no value");
        plan.refuse = true;
        break;
      case "reboot":
        plan.rebootEverySeconds = positive(part, value);
        break;
      case "clock-jump":
        plan.clockJumpSeconds = integer(part, value, -Number.MAX_SAFE_INTEGER);
        break;
      default:
        fail(part, "unknown kind");
    }
  }
  return plan;
}

/** The plan back in spec form (for logs and the control endpoint). */
export function formatFaultPlan(plan: FaultPlan): string {
  const parts: string[] = [];
  if (plan.latencyMs !== undefined) parts.push(`latency=${plan.latencyMs}`);
  if (plan.dropAfter)
    parts.push(`drop-after=${plan.dropAfter.bytes}${plan.dropAfter.always ? ":always" : ""}`);
  if (plan.corruptChecksumEvery !== undefined) parts.push(`corrupt-checksum=${plan.corruptChecksumEvery}`);
  if (plan.stallAfter !== undefined) parts.push(`stall=${plan.stallAfter}`);
  if (plan.refuse) parts.push("refuse");
  if (plan.rebootEverySeconds !== undefined) parts.push(`reboot=${plan.rebootEverySeconds}`);
  if (plan.clockJumpSeconds !== undefined) {
    parts.push(`clock-jump=${plan.clockJumpSeconds >= 0 ? "+" : ""}${plan.clockJumpSeconds}`);
  }
  return parts.join(",");
}

/**
 * The per-device counters behind the packet-level faults. One instance per device: "every Nth
 * packet" counts across connections and drop-after fires once per device unless ":always".
 */
export class FaultCounters {
  private sent = 0;
  private dropped = false;

  constructor(public plan: FaultPlan = {}) {}

  /** Count one outgoing packet; true when its checksum should be corrupted. */
  corruptNext(): boolean {
    const every = this.plan.corruptChecksumEvery;
    if (!every) return false;
    this.sent++;
    return this.sent % every === 0;
  }

  /**
   * With `alreadySent` bulk bytes of the current transfer out and `frames` carrying `dataBytes`
   * bulk bytes each, how many wire bytes may go before the connection is cut? undefined = all.
   * `headerBytes` is the framing before each frame's data (TCP wrapper + ZK header).
   */
  dropCut(
    alreadySent: number,
    frames: readonly { wire: number; dataBytes: number }[],
    headerBytes: number,
  ): number | undefined {
    const drop = this.plan.dropAfter;
    if (!drop || (this.dropped && !drop.always)) return undefined;
    let bulk = alreadySent;
    let wire = 0;
    for (const frame of frames) {
      if (frame.dataBytes > 0 && bulk + frame.dataBytes > drop.bytes) {
        this.dropped = true;
        return wire + headerBytes + Math.max(0, drop.bytes - bulk);
      }
      bulk += frame.dataBytes;
      wire += frame.wire;
    }
    return undefined;
  }

  /** Applying a new plan re-arms the one-shot faults. */
  reset(plan: FaultPlan): void {
    this.plan = plan;
    this.sent = 0;
    this.dropped = false;
  }
}

/** Flip the checksum of an encoded packet; `offset` is where the ZK header starts (8 over TCP). */
export function corruptChecksum(frame: Buffer, offset: number): void {
  frame.writeUInt16LE(frame.readUInt16LE(offset + 2) ^ 0x5a5a, offset + 2);
}
