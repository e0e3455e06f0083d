import { Command, EventFlag, Reply } from "../../src/protocol/index.js";
import { startControlServer, startFleet, type ControlServer, type Fleet } from "../../src/simulator/index.js";
import { RawTcpClient } from "./raw-client.js";

let fleet: Fleet;
let control: ControlServer;
beforeAll(async () => {
  fleet = await startFleet({ count: 3, seed: 8, users: 10, records: 50 });
  control = await startControlServer(fleet.devices);
});
afterAll(async () => {
  await control.close();
  await fleet.close();
});

// The tests read arbitrary JSON shapes from the API.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${control.url}${path}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test("GET /devices lists every device without generating its data", async () => {
  const { status, json } = await call("GET", "/devices");
  expect(status).toBe(200);
  expect(json).toHaveLength(3);
  expect(json[1]).toMatchObject({
    index: 1,
    host: "127.0.0.1",
    port: fleet.device(1).port,
    enabled: true,
    faults: "",
  });
  expect(fleet.devices.every((d) => !d.state.loaded)).toBe(true);
  const one = await call("GET", "/devices/2");
  expect(one.json).toMatchObject({ index: 2, users: 10, records: 50 });
});

test("POST /devices/{i}/punch adds a punch and pushes the live event", async () => {
  const device = fleet.device(0);
  const client = await RawTcpClient.open(device.port);
  await client.connect();
  await client.request(Command.REG_EVENT, Buffer.from([EventFlag.ATTLOG, 0, 0, 0]));
  const { status, json } = await call("POST", "/devices/0/punch", { userId: "1003", punch: 1 });
  expect(status).toBe(201);
  expect(json).toMatchObject({ uid: 3, userId: "1003", punch: 1, verify: 1 });
  const event = await client.nextEvent();
  expect(event.data.subarray(0, 4).toString()).toBe("1003");
  expect(device.state.attendance().at(-1)).toEqual(json);
  await client.close();
  expect((await call("POST", "/devices/0/punch", {})).status).toBe(201);
  expect((await call("POST", "/devices/0/punch", { userId: "nobody" })).json.error).toMatch(/no user/);
});

test("PUT/DELETE /devices/{i}/faults set and clear faults; a bad spec is a 400", async () => {
  expect(await call("PUT", "/devices/1/faults", { spec: "latency=5,stall=3" })).toEqual({
    status: 200,
    json: { faults: "latency=5,stall=3" },
  });
  expect(fleet.device(1).faults).toEqual({ latencyMs: 5, stallAfter: 3 });
  const bad = await call("PUT", "/devices/1/faults", { spec: "explode" });
  expect(bad.status).toBe(400);
  expect(bad.json.error).toMatch(/bad fault "explode"/);
  expect((await call("DELETE", "/devices/1/faults")).json).toEqual({ faults: "" });
  expect(fleet.device(1).faults).toEqual({});
});

test("POST /devices/{i}/reboot ends sessions", async () => {
  const client = await RawTcpClient.open(fleet.device(2).port);
  await client.connect();
  expect((await call("POST", "/devices/2/reboot")).status).toBe(202);
  await client.closed;
  const again = await RawTcpClient.open(fleet.device(2).port);
  expect((await again.connect()).command).toBe(Reply.ACK_OK);
  await again.close();
});

test("PUT /devices/{i}/clock sets or shifts the device clock", async () => {
  expect((await call("PUT", "/devices/1/clock", { time: "2031-05-06T07:08:09" })).json.clock).toMatch(
    /^2031-05-06T07:08/,
  );
  expect((await call("PUT", "/devices/1/clock", { time: "yesterday" })).status).toBe(400);
});

test("errors: unknown device or route 404, bad JSON 400", async () => {
  expect((await call("GET", "/devices/9")).status).toBe(404);
  expect((await call("GET", "/nothing")).status).toBe(404);
  expect((await call("POST", "/devices/0/explode")).status).toBe(404);
  expect((await call("POST", "/devices/0/punch", "{oops")).status).toBe(400);
  expect((await call("POST", "/devices/0/punch", { uid: "one" })).status).toBe(400);
});
