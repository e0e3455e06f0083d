import { once } from "node:events";
import {
  GetPlaceResponse,
  PlaceServiceDefinition,
  type PlaceServiceImplementation,
  type WatchPunchesResponse,
} from "@biometricflow/proto";
import { createChannel, createClient, Status, type Channel } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  createChannelClient,
  startGrpcServer,
  type KitCallContext,
  type RunningGrpcServer,
} from "../src/index.js";
import { recordingLogger, stubbed } from "./fixtures.js";

// GetPlace throws whatever `nextError` holds; WatchPunches streams until shut down.
let nextError: unknown;
const streamStarted = { resolve: (): void => undefined };
const impl = stubbed<PlaceServiceImplementation<KitCallContext>>({
  async getPlace() {
    if (nextError !== undefined) throw nextError;
    return GetPlaceResponse.fromPartial({ headOffset: 7 });
  },
  async *watchPunches(_req: unknown, ctx: KitCallContext & { signal: AbortSignal }) {
    ctx.abortOnTerminate();
    yield { punches: [], headOffset: 1, block: undefined } satisfies WatchPunchesResponse;
    streamStarted.resolve();
    await once(new EventTarget(), "never", { signal: ctx.signal });
  },
});

const log = recordingLogger();
let server: RunningGrpcServer;
let channel: Channel;

beforeEach(async () => {
  nextError = undefined;
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    log,
    register: (s) => s.add(PlaceServiceDefinition, impl),
  });
  channel = createChannel(server.address);
});

afterEach(async () => {
  channel.close();
  await server.shutdown(1_000);
});

test("binds a free port and answers", async () => {
  expect(server.port).toBeGreaterThan(0);
  const place = createClient(PlaceServiceDefinition, channel);
  await expect(place.getPlace({})).resolves.toMatchObject({ headOffset: 7 });
});

test("health starts NOT_SERVING and follows the setter, for the server and each service", async () => {
  const health = createClient(HealthDefinition, channel);
  const check = async (service = ""): Promise<number> => (await health.check({ service })).status;
  expect(await check()).toBe(2); // NOT_SERVING
  server.setServing(true);
  expect(await check()).toBe(1); // SERVING
  expect(await check(PlaceServiceDefinition.fullName)).toBe(1);
  server.setServing(false);
  expect(await check(PlaceServiceDefinition.fullName)).toBe(2);
  await expect(check("no.such.Service")).rejects.toMatchObject({ code: Status.NOT_FOUND });
});

test.each([
  [new InvalidArgumentError("bad field x"), Status.INVALID_ARGUMENT],
  [new NotFoundError("no device d9"), Status.NOT_FOUND],
  [new FailedPreconditionError("not yet"), Status.FAILED_PRECONDITION],
  [new UnavailableError("no supervisor"), Status.UNAVAILABLE],
])("domain error %p maps to status %p with its message", async (error, code) => {
  nextError = error;
  const place = createClient(PlaceServiceDefinition, channel);
  await expect(place.getPlace({})).rejects.toMatchObject({ code, details: error.message });
});

test("an unexpected error becomes INTERNAL with an id that is logged, and the server lives on", async () => {
  nextError = new TypeError("secret internals");
  const place = createClient(PlaceServiceDefinition, channel);
  const err = await place.getPlace({}).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: Status.INTERNAL });
  const details = (err as { details: string }).details;
  expect(details).not.toContain("secret");
  const id = /id ([0-9a-f]{8})/.exec(details)?.[1];
  expect(id).toBeDefined();
  expect(log.lines).toContainEqual(
    expect.objectContaining({ level: "error", obj: expect.objectContaining({ errorId: id }) }),
  );
  nextError = undefined;
  await expect(place.getPlace({})).resolves.toMatchObject({ headOffset: 7 });
});

test("reflection lists the registered service and serves its file", async () => {
  const reflection = createClient(ServerReflectionService, channel);
  async function* ask() {
    yield new ServerReflectionRequest().setListServices("*");
    yield new ServerReflectionRequest().setFileContainingSymbol(PlaceServiceDefinition.fullName);
  }
  const answers = [];
  for await (const a of reflection.serverReflectionInfo(ask())) answers.push(a);
  const names = answers[0]
    ?.getListServicesResponse()
    ?.getServiceList()
    .map((s) => s.getName());
  expect(names).toEqual([PlaceServiceDefinition.fullName]);
  expect(answers[1]?.getFileDescriptorResponse()?.getFileDescriptorProtoList().length).toBeGreaterThan(0);
});

test("shutdown reports NOT_SERVING and ends opted-in streams with UNAVAILABLE", async () => {
  server.setServing(true);
  const place = createClient(PlaceServiceDefinition, channel);
  const started = new Promise<void>((resolve) => (streamStarted.resolve = resolve));
  const received: WatchPunchesResponse[] = [];
  const streaming = (async () => {
    for await (const m of place.watchPunches({})) received.push(m);
  })().catch((e: unknown) => e);
  const statuses: number[] = [];
  let firstStatus = (): void => undefined;
  const watchStarted = new Promise<void>((resolve) => (firstStatus = resolve));
  const watching = (async () => {
    for await (const h of createClient(HealthDefinition, channel).watch({ service: "" })) {
      statuses.push(h.status);
      firstStatus();
    }
  })().catch((e: unknown) => e);
  await Promise.all([started, watchStarted]);
  expect(statuses).toEqual([1]);
  await server.shutdown(5_000);
  expect(await streaming).toMatchObject({ code: Status.UNAVAILABLE });
  expect(received).toHaveLength(1);
  expect(await watching).toMatchObject({ code: Status.UNAVAILABLE });
  expect(statuses.at(-1)).toBe(2); // NOT_SERVING before the stream ended
  const after = createChannelClient(HealthDefinition, server.address, { deadlineMs: 2_000 });
  await expect(after.client.check({ service: "" })).rejects.toBeDefined();
  after.close();
});
