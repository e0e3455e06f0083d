import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { DeviceServer } from "./device-server.js";
import { silentLogger, type SimLogger } from "./logger.js";

/**
 * A small JSON endpoint so out-of-process tests can drive a running simulator:
 *   GET    /devices                    every device: index, address, serial, enabled, faults
 *   GET    /devices/{i}                one device, with user and record counts
 *   POST   /devices/{i}/punch          {userId?, uid?, punch?, verify?, timestamp?} -> the record
 *   POST   /devices/{i}/corrupt-record {index?, timeValue?, userId?} -> {index, bytes}: a record
 *                                      with an impossible time, appended or in place of record `index`
 *   POST   /devices/{i}/reboot         {downtimeMs?}
 *   PUT    /devices/{i}/faults         {spec}  (DELETE clears them)
 *   PUT    /devices/{i}/clock          {time: "YYYY-MM-DDTHH:mm:ss"} or {shiftSeconds}
 * Errors are {"error": "..."} with 400 (bad request) or 404 (no such device or route).
 */

export interface ControlServerOptions {
  host?: string;
  port?: number;
  logger?: SimLogger;
}

export interface ControlServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const punchBody = z
  .object({
    userId: z.string().min(1).optional(),
    uid: z.number().int().min(1).max(0xffff).optional(),
    punch: z.number().int().min(0).max(255).optional(),
    verify: z.number().int().min(0).max(255).optional(),
    timestamp: z.string().optional(),
  })
  .strict();
const corruptBody = z
  .object({
    index: z.number().int().min(0).optional(),
    timeValue: z.number().int().min(0).max(0xffffffff).optional(),
    userId: z.string().min(1).optional(),
  })
  .strict();
const rebootBody = z.object({ downtimeMs: z.number().int().min(0).optional() }).strict();
const faultsBody = z.object({ spec: z.string() }).strict();
const clockBody = z.union([
  z.object({ time: z.string() }).strict(),
  z.object({ shiftSeconds: z.number().int() }).strict(),
]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new HttpError(413, "request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, "request body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HttpError(400, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
}

/** What a device refuses (a punch, a fault spec, a clock it cannot take) is the caller's 400. */
function refusedAs400<T>(act: () => T): T {
  try {
    return act();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, (err as Error).message);
  }
}

function summary(device: DeviceServer, index: number, counts: boolean): Record<string, unknown> {
  const s = device.state;
  return {
    index,
    host: device.host,
    port: device.port,
    serialNumber: s.serialNumber,
    profile: s.profile,
    enabled: s.enabled,
    clock: s.now(),
    faults: device.faultSpec,
    connections: device.connectionCount,
    // Counting generates a lazily-seeded device's data: only on request for one device.
    ...(counts ? { users: s.userCount, records: s.recordCount } : {}),
  };
}

export async function startControlServer(
  devices: readonly DeviceServer[],
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  const log = options.logger ?? silentLogger;

  async function route(req: http.IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? "/", "http://control");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";
    if (parts[0] !== "devices") throw new HttpError(404, `no route ${method} ${url.pathname}`);
    if (parts.length === 1 && method === "GET") return [200, devices.map((d, i) => summary(d, i, false))];
    const index = Number(parts[1]);
    const device = Number.isInteger(index) ? devices[index] : undefined;
    if (!device) throw new HttpError(404, `no device "${parts[1]}"; devices are 0..${devices.length - 1}`);
    const action = `${method} ${parts[2] ?? ""}`;
    const body = method === "GET" || method === "DELETE" ? {} : await readBody(req);
    switch (action) {
      case "GET ":
        return [200, summary(device, index, true)];
      case "POST punch":
        return [201, refusedAs400(() => device.punch(parse(punchBody, body)))];
      case "POST corrupt-record":
        return [201, refusedAs400(() => device.plantCorruptRecord(parse(corruptBody, body)))];
      case "POST reboot":
        device.reboot(parse(rebootBody, body).downtimeMs);
        return [202, { rebooted: true }];
      case "PUT faults":
        refusedAs400(() => device.setFaults(parse(faultsBody, body).spec));
        return [200, { faults: device.faultSpec }];
      case "DELETE faults":
        device.clearFaults();
        return [200, { faults: "" }];
      case "PUT clock": {
        const clock = parse(clockBody, body);
        refusedAs400(() =>
          "time" in clock ? device.state.setClock(clock.time) : device.state.shiftClock(clock.shiftSeconds),
        );
        return [200, { clock: device.state.now() }];
      }
      default:
        throw new HttpError(404, `no route ${method} ${url.pathname}`);
    }
  }

  const server = http.createServer((req, res) => {
    route(req).then(
      ([status, body]) => send(res, status, body),
      (err: Error) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) log.warn({ err: err.message }, "control request failed");
        send(res, status, { error: err.message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
