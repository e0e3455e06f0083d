// ExportTimesheets blocks are encoded by hand (timesheet-block-wire.ts): the bytes must be the
// generated encoder's, for any block.
import fc from "fast-check";
import { ExportTimesheetsResponse, type DayType } from "@biometricflow/proto";
import {
  encodeTimesheetColumns,
  exportTimesheetsColumnsType,
  timesheetBlockOf,
  type TimesheetColumns,
} from "../src/analytics/timesheet-block-wire.js";

const u32 = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.nat({ max: 0xffffffff }));
const s32 = fc.oneof(
  fc.integer({ min: -90_000, max: 180_000 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constant(""));

const columns: fc.Arbitrary<TimesheetColumns> = fc.nat({ max: 40 }).chain((rows) => {
  const col = () => fc.array(u32, { minLength: rows, maxLength: rows }).map((a) => Uint32Array.from(a));
  const signed = () => fc.array(s32, { minLength: rows, maxLength: rows }).map((a) => Int32Array.from(a));
  return fc.record({
    placeId: text,
    dates: fc.array(text, { maxLength: 5 }),
    dayTypes: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }),
    userIds: fc.array(text, { maxLength: 5 }),
    userNames: fc.array(text, { maxLength: 5 }),
    deviceIds: fc.array(text, { maxLength: 5 }),
    dateIndex: col(),
    userIndex: col(),
    status: fc
      .array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: rows, maxLength: rows })
      .map((a) => Uint32Array.from(a)),
    punches: col(),
    firstIn: signed(),
    firstInDevice: col(),
    lastOut: signed(),
    lastOutDevice: col(),
    workedMinutes: col(),
    lateMinutes: col(),
    earlyLeaveMinutes: col(),
    overtimeMinutes: col(),
  });
});

test("the hand-written encoding is the generated one, byte for byte", () => {
  fc.assert(
    fc.property(columns, (b) => {
      const generated = ExportTimesheetsResponse.encode({ block: timesheetBlockOf(b) }).finish();
      expect(Buffer.from(encodeTimesheetColumns(b))).toEqual(Buffer.from(generated));
    }),
    { numRuns: 300 },
  );
});

test("what a client decodes is the block that was encoded", () => {
  fc.assert(
    fc.property(columns, (b) => {
      const bytes = exportTimesheetsColumnsType.encode({ block: b }).finish();
      expect(ExportTimesheetsResponse.decode(bytes).block).toEqual(timesheetBlockOf(b));
      expect(exportTimesheetsColumnsType.decode(bytes).block).toEqual(b);
    }),
    { numRuns: 100 },
  );
});

test("enum values the generated encoder would write as 10-byte negatives are refused", () => {
  const [b] = fc.sample(columns, { numRuns: 1, seed: 1 });
  expect(() => encodeTimesheetColumns({ ...b!, dayTypes: [-1 as DayType] })).toThrow(/day type -1/);
  expect(() => encodeTimesheetColumns({ ...b!, status: Uint32Array.of(2 ** 31) })).toThrow(
    /status 2147483648/,
  );
});
