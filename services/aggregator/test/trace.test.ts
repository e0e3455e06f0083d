// The insert span joins the trace each punch carries (W3C traceparent stored with the punch).
import { migrate, openTestClickHouse, type OpenClickHouse } from "@biometricflow/clickhouse";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { lit, sql } from "@biometricflow/clickhouse";
import { startAggregator } from "../src/start-aggregator.js";
import { FakePlace, placeOf } from "./fake-place.js";
import { committedOffset, eventually, quietLog, testConfig } from "./helpers.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const exporter = new InMemorySpanExporter();
let ch: OpenClickHouse;
beforeAll(async () => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  ch = await openTestClickHouse();
  await migrate(ch.db);
}, 60_000);
afterAll(async () => {
  trace.disable();
  await ch?.close();
});

test("each punch's insert span is a child of the span that captured it; trace_id is stored", async () => {
  const place = new FakePlace(placeOf("traced"), 1);
  await place.start();
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentSpan = "00f067aa0ba902b7";
  place.append([
    { user: "1", local: "2024-05-06T08:00:00", traceparent: `00-${traceId}-${parentSpan}-01` },
    { user: "2", local: "2024-05-06T08:01:00" }, // captured without a trace
  ]);
  const app = await startAggregator(testConfig([place]), ch.db, quietLog);
  try {
    await eventually(
      () => committedOffset(ch.db, "traced"),
      (n) => n === 2,
    );
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "aggregator.insert");
    const joined = spans.find((s) => s.spanContext().traceId === traceId);
    expect(joined?.parentSpanContext?.spanId).toBe(parentSpan);
    expect(joined?.attributes).toMatchObject({
      "biometricflow.place_id": "traced",
      "biometricflow.offset": 1,
    });
    const rows = await ch.db.rows<{ user_id: string; trace_id: string }>(
      sql`SELECT user_id, trace_id FROM ${ch.db.table("punches")} FINAL WHERE place_id = ${lit.string("traced")} ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: "1", trace_id: traceId },
      { user_id: "2", trace_id: "" },
    ]);
  } finally {
    await app.shutdown();
    await place.stop();
  }
});
