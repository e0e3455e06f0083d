import { join } from "node:path";
import { DeviceState, DeviceStatus } from "@biometricflow/proto";
import { DeviceStatusBoard } from "../src/devices/device-status-board.js";
import { Journal } from "../src/journal/journal.js";
import { quietLog, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let journal: Journal;
beforeEach(() => {
  tmp = tempDir();
  journal = Journal.open(join(tmp.dir, "j.db"), "site");
});
afterEach(() => {
  journal.close();
  tmp.remove();
});

test("reports are kept, pushed to subscribers, and persisted; after a restart the state is UNKNOWN, the facts stay", () => {
  const board = new DeviceStatusBoard(["d1", "d2"], journal, quietLog);
  const seen: DeviceStatus[] = [];
  const unsubscribe = board.subscribe((s) => seen.push(s));
  board.report(
    DeviceStatus.fromPartial({
      deviceId: "d1",
      state: DeviceState.DEVICE_STATE_LIVE,
      firmware: "Ver 6.60",
      recordsOnDevice: 9,
    }),
  );
  unsubscribe();
  board.report(
    DeviceStatus.fromPartial({ deviceId: "d1", state: DeviceState.DEVICE_STATE_LIVE, firmware: "Ver 6.70" }),
  );
  expect(seen.map((s) => s.firmware)).toEqual(["Ver 6.60"]);
  board.flush();

  const restarted = new DeviceStatusBoard(["d1", "d2"], journal, quietLog);
  expect(restarted.get("d1")).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    firmware: "Ver 6.70",
    detail: expect.stringContaining("restarted"),
  });
  expect(restarted.get("d2")).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    detail: expect.stringContaining("no supervisor"),
  });
  expect(() => restarted.get("d9")).toThrow(expect.objectContaining({ name: "NotFoundError" }));
});

test("orphaned devices become UNKNOWN with the reason", () => {
  const board = new DeviceStatusBoard(["d1"], journal, quietLog);
  board.report(DeviceStatus.fromPartial({ deviceId: "d1", state: DeviceState.DEVICE_STATE_LIVE }));
  board.orphan(["d1"], 'supervisor "s1" detached');
  expect(board.get("d1")).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    detail: 'supervisor "s1" detached',
  });
  board.flush();
});

test("setDevices: a removed device is announced DISABLED once and disappears; re-added, it keeps its facts", () => {
  const board = new DeviceStatusBoard(["d1", "d2"], journal, quietLog);
  board.report(
    DeviceStatus.fromPartial({ deviceId: "d2", state: DeviceState.DEVICE_STATE_LIVE, firmware: "F2" }),
  );
  board.flush();
  const seen: DeviceStatus[] = [];
  board.subscribe((s) => seen.push(s));
  board.setDevices(["d1"]);
  expect(seen.map((s) => [s.deviceId, s.state, s.detail])).toEqual([
    ["d2", DeviceState.DEVICE_STATE_DISABLED, "removed from the place's configuration"],
  ]);
  expect(board.all().map((s) => s.deviceId)).toEqual(["d1"]);
  expect(() => board.get("d2")).toThrow(/not a device of this place/);
  board.setDevices(["d1", "d2"], new Date(), "added again");
  expect(board.get("d2")).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    firmware: "F2",
    detail: "added again",
  });
  expect(seen).toHaveLength(2);
});
