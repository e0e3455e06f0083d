import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { PunchSource } from "@biometricflow/proto";
import { seedRecords } from "./support/fake-device.js";
import { settle, startHarness } from "./support/machine-harness.js";

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  trace.disable();
  context.disable();
});

test("every punch carries the W3C context of the span that captured it: the sync cycle or the live event", async () => {
  jest.useFakeTimers({ now: new Date("2025-03-03T07:00:00Z") });
  const h = startHarness();
  seedRecords(h.device, 3);
  await settle();
  h.device.punch("2001", "2025-03-03T08:05:00");
  await settle();
  h.actor.stop();
  jest.useRealTimers();

  const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s.spanContext()]));
  const sync = spans.get("device.sync")!;
  const live = spans.get("device.live_punch")!;
  const punches = [...h.link.punches.values()];
  const pulled = punches.filter((p) => p.source === PunchSource.PUNCH_SOURCE_DEVICE_PULL);
  expect(pulled).toHaveLength(3);
  for (const p of pulled) expect(p.trace?.traceparent).toBe(`00-${sync.traceId}-${sync.spanId}-01`);
  const livePunch = punches.find((p) => p.source === PunchSource.PUNCH_SOURCE_DEVICE_LIVE)!;
  expect(livePunch.trace?.traceparent).toBe(`00-${live.traceId}-${live.spanId}-01`);
});
