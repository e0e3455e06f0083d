import { once } from "node:events";
import {
  GetPlaceResponse,
  PlaceServiceDefinition,
  type PlaceServiceImplementation,
} from "@biometricflow/proto";
import { Status } from "nice-grpc";
import {
  createChannelClient,
  startGrpcServer,
  type KitCallContext,
  type RunningGrpcServer,
} from "../src/index.js";
import { recordingLogger, stubbed } from "./fixtures.js";

// GetPlace never answers on its own; WatchPunches answers once and ends.
let handlerAborted: Promise<unknown>;
const impl = stubbed<PlaceServiceImplementation<KitCallContext>>({
  async getPlace(_req: unknown, ctx: { signal: AbortSignal }) {
    handlerAborted = once(ctx.signal, "abort");
    await once(new EventTarget(), "never", { signal: ctx.signal });
    return GetPlaceResponse.fromPartial({});
  },
  async *watchPunches() {
    yield { punches: [], headOffset: 3 };
  },
});

let server: RunningGrpcServer;
beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    log: recordingLogger(),
    register: (s) => s.add(PlaceServiceDefinition, impl),
  });
});
afterAll(() => server.shutdown(1_000));

test("a unary call without a deadline gets the default one, and the server sees the cancel", async () => {
  const { client, close } = createChannelClient(PlaceServiceDefinition, server.address, { deadlineMs: 200 });
  const started = Date.now();
  await expect(client.getPlace({})).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
  expect(Date.now() - started).toBeLessThan(5_000);
  await handlerAborted;
  close();
});

test("an explicit deadline wins over the default", async () => {
  const { client, close } = createChannelClient(PlaceServiceDefinition, server.address, {
    deadlineMs: 60_000,
  });
  await expect(client.getPlace({}, { deadline: 100 })).rejects.toMatchObject({
    code: Status.DEADLINE_EXCEEDED,
  });
  close();
});

test("streams get no default deadline", async () => {
  const { client, close } = createChannelClient(PlaceServiceDefinition, server.address, { deadlineMs: 1 });
  const got = [];
  for await (const m of client.watchPunches({})) got.push(m);
  expect(got).toEqual([{ punches: [], headOffset: 3 }]);
  close();
});
