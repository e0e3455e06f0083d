// A service behind a token answers only callers that send it; the others stay open.
import {
  GetPlaceResponse,
  PlaceServiceDefinition,
  type PlaceServiceImplementation,
} from "@biometricflow/proto";
import { Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import {
  createChannelClient,
  startGrpcServer,
  type KitCallContext,
  type RunningGrpcServer,
} from "../src/index.js";
import { recordingLogger, stubbed } from "./fixtures.js";

const impl = stubbed<PlaceServiceImplementation<KitCallContext>>({
  getPlace: async () => GetPlaceResponse.fromPartial({ headOffset: 7 }),
});

let server: RunningGrpcServer;
beforeAll(async () => {
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    log: recordingLogger(),
    register: (s) => s.add(PlaceServiceDefinition, impl),
    auth: { token: "s3cret-token-of-the-place", services: [PlaceServiceDefinition.fullName], hint: "set X" },
  });
  server.setServing(true);
});
afterAll(() => server.shutdown(1_000));

async function getPlace(token?: string): Promise<number> {
  const api = createChannelClient(PlaceServiceDefinition, server.address, { token });
  try {
    return (await api.client.getPlace({})).headOffset;
  } finally {
    api.close();
  }
}

test("the right token is answered", async () => {
  expect(await getPlace("s3cret-token-of-the-place")).toBe(7);
});

test("no token or a wrong one is UNAUTHENTICATED, with what to fix", async () => {
  await expect(getPlace()).rejects.toMatchObject({
    code: Status.UNAUTHENTICATED,
    details: expect.stringMatching(/^no token for \/biometricflow\.v1\.PlaceService\/GetPlace: set X$/),
  });
  for (const wrong of ["s3cret-token-of-the-plac", "S3cret-token-of-the-place", "x"]) {
    await expect(getPlace(wrong)).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
      details: expect.stringContaining("a wrong token"),
    });
  }
});

test("services not listed need no token", async () => {
  const health = createChannelClient(HealthDefinition, server.address);
  try {
    expect((await health.client.check({ service: "" })).status).toBe(1); // SERVING
  } finally {
    health.close();
  }
});
