import { INITIAL_LINK_STATE, nextLinkState } from "../src/link/link-state.js";
import { stateName } from "../src/status/supervisor-status.js";

test("a nested machine state reads as a dotted path", () => {
  expect(stateName("removed")).toBe("removed");
  expect(stateName({ active: "backingOff" })).toBe("active.backingOff");
  expect(stateName({ active: { live: "idle" } })).toBe("active.live.idle");
  expect(stateName({ active: { syncing: { pulling: {} } } })).toBe("active.syncing.pulling");
});

test("the link state keeps the time of the last phase change, the last error and the failures in a row", () => {
  let s = nextLinkState(INITIAL_LINK_STATE, "connecting", 1_000);
  s = nextLinkState(s, "attached", 2_000);
  expect(s).toEqual({ phase: "attached", since: 2_000, lastError: "", failures: 0 });
  expect(nextLinkState(s, "attached", 3_000)).toBe(s); // every message says attached: no change
  s = nextLinkState(s, "retrying", 4_000, "UNAVAILABLE");
  s = nextLinkState(s, "connecting", 5_000);
  s = nextLinkState(s, "retrying", 6_000, "UNAVAILABLE again");
  expect(s).toEqual({ phase: "retrying", since: 6_000, lastError: "UNAVAILABLE again", failures: 2 });
  s = nextLinkState(s, "attached", 7_000);
  expect(s).toEqual({ phase: "attached", since: 7_000, lastError: "UNAVAILABLE again", failures: 0 });
});
