import {
  Command,
  EventFlag,
  Fct,
  Reply,
  decodeAttLogEvent,
  decodeBufferDescriptor,
  decodeFreeSizes,
  decodeOptionValue,
  decodePacket,
  decodePrepareData,
  decodeUsers,
  encodeOptionRead,
  encodeOptionWrite,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpFrame,
  encodeZkTime,
  makeCommKey,
  unwrapRecords,
  type ZkPacket,
  type ZkUser,
} from "../../src/protocol/index.js";
import {
  DeviceState,
  attLogEvent,
  createSession,
  generateDeviceData,
  handleRequest,
  type DeviceStateOptions,
  type SessionState,
  type Transport,
} from "../../src/simulator/index.js";

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ""), "hex");
/** Inner ZK packet of a TCP frame vector. */
const vector = (h: string): ZkPacket => decodePacket(hex(h).subarray(8));

function user(uid: number, userId = String(1000 + uid)): ZkUser {
  return { uid, userId, name: `User ${uid}`, privilege: 0, password: "", card: 0, group: 1 };
}

function device(options: DeviceStateOptions = {}): DeviceState {
  return new DeviceState({ data: { users: [user(1), user(2)], records: [] }, ...options });
}

/** A device and a session driven like a client would: reply ids count up from 0. */
class Harness {
  session: SessionState = createSession();
  replyId = 0;
  constructor(
    readonly dev: DeviceState,
    readonly transport: Transport = "tcp",
  ) {}

  send(command: number, data: Buffer = Buffer.alloc(0), header: Partial<ZkPacket> = {}): ZkPacket[] {
    const req = { command, sessionId: this.session.id, replyId: this.replyId++, data, ...header };
    return handleRequest(this.dev, this.session, req, { transport: this.transport }).replies;
  }

  one(command: number, data?: Buffer, header?: Partial<ZkPacket>): ZkPacket {
    const replies = this.send(command, data, header);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  }

  connected(): this {
    expect(this.one(Command.CONNECT).command).toBe(Reply.ACK_OK);
    return this;
  }
}

describe("sessions and authentication", () => {
  test("CONNECT without a comm key: ACK_OK with a new non-zero session id, reply id echoed", () => {
    const h = new Harness(device());
    const reply = h.one(Command.CONNECT, undefined, { replyId: 0 });
    expect(reply.command).toBe(Reply.ACK_OK);
    expect(reply.sessionId).toBeGreaterThan(0);
    expect(reply.sessionId).toBeLessThanOrEqual(0xffff);
    expect(reply.replyId).toBe(0);
    // A second CONNECT on the same session keeps the id.
    expect(h.one(Command.CONNECT).sessionId).toBe(reply.sessionId);
  });

  test("session ids come from the seeded stream", () => {
    const ids = (seed: number) =>
      [1, 2, 3].map(() => new Harness(device({ seed })).one(Command.CONNECT).sessionId);
    expect(ids(5)).toEqual(ids(5));
  });

  test("comm key: ACK_UNAUTH on CONNECT, wrong key refused, right key accepted", () => {
    const h = new Harness(device({ commKey: 123456 }));
    const hello = h.one(Command.CONNECT);
    expect(hello.command).toBe(Reply.ACK_UNAUTH);
    expect(hello.sessionId).toBe(h.session.id);
    expect(h.one(Command.GET_FREE_SIZES).command).toBe(Reply.ACK_UNAUTH);
    expect(h.one(Command.AUTH, makeCommKey(654321, h.session.id)).command).toBe(Reply.ACK_UNAUTH);
    expect(h.one(Command.GET_FREE_SIZES).command).toBe(Reply.ACK_UNAUTH);
    expect(h.one(Command.AUTH, makeCommKey(123456, h.session.id, 77)).command).toBe(Reply.ACK_OK);
    expect(h.one(Command.GET_FREE_SIZES).command).toBe(Reply.ACK_OK);
  });

  test("golden vectors: AUTH with key 12 (C3) gives R4; key 45 (C4) gives R3", () => {
    for (const [request, expected] of [
      ["5050827d0c0000004e044e2ccf450100614d323c", "5050827d08000000d0075fb2cf450100"],
      ["5050827d0c0000004e044db0cf45010061c9323c", "5050827d08000000d5075ab2cf450100"],
    ] as const) {
      const dev = device({ commKey: 12 });
      const session = { ...createSession(), id: 0x45cf };
      const out = handleRequest(dev, session, vector(request), { transport: "tcp" });
      expect(out.replies.map((p) => encodeTcpFrame(p).toString("hex"))).toEqual([expected]);
    }
  });

  test("before CONNECT, or with another session's id, commands are ACK_UNAUTH", () => {
    const h = new Harness(device());
    expect(h.one(Command.GET_VERSION).command).toBe(Reply.ACK_UNAUTH);
    expect(h.one(Command.AUTH, Buffer.alloc(4)).command).toBe(Reply.ACK_UNAUTH);
    h.connected();
    const other = (h.session.id + 1) & 0xffff || 1;
    expect(h.one(Command.GET_VERSION, undefined, { sessionId: other }).command).toBe(Reply.ACK_UNAUTH);
    expect(h.one(Command.GET_VERSION).command).toBe(Reply.ACK_OK);
  });

  test("EXIT acknowledges and ends the session", () => {
    const h = new Harness(device()).connected();
    const id = h.session.id;
    const out = handleRequest(
      h.dev,
      h.session,
      { command: Command.EXIT, sessionId: id, replyId: 9, data: Buffer.alloc(0) },
      { transport: "tcp" },
    );
    expect(out.exit).toBe(true);
    expect(out.replies[0]).toMatchObject({ command: Reply.ACK_OK, sessionId: id, replyId: 9 });
    expect(h.one(Command.GET_VERSION, undefined, { sessionId: id }).command).toBe(Reply.ACK_UNAUTH);
  });
});

describe("every well-formed packet gets an answer", () => {
  test("unknown codes, and the reply codes pyzk's _clear_error sends, get ACK_UNKNOWN", () => {
    const h = new Harness(device()).connected();
    for (const code of [0x1234, 3, Reply.ACK_ERROR, Reply.ACK_UNKNOWN, 110]) {
      const reply = h.one(code, Buffer.from("abc"));
      expect(reply.command).toBe(Reply.ACK_UNKNOWN);
      expect(reply.replyId).toBe(h.replyId - 1);
    }
  });

  test("a client's ACK_OK (to a live event) is taken silently", () => {
    const h = new Harness(device()).connected();
    expect(h.send(Reply.ACK_OK, undefined, { replyId: 0 })).toEqual([]);
  });

  test("the reply id is echoed on every simple command, wrapping values included", () => {
    const h = new Harness(device()).connected();
    const commands = [
      Command.GET_FREE_SIZES,
      Command.GET_VERSION,
      Command.GET_TIME,
      Command.GET_PINWIDTH,
      Command.REFRESHDATA,
      Command.CANCELCAPTURE,
      Command.STARTVERIFY,
      Command.ENABLE_DEVICE,
      Command.DISABLE_DEVICE,
      Command.FREE_DATA,
      Command.DELETE_USER, // no data: ACK_ERROR, still echoed
      Command.STATE_RRQ,
    ];
    for (const replyId of [0, 1, 777, 65534, 65535]) {
      for (const command of commands) {
        const reply = h.one(command, undefined, { replyId });
        expect(reply.replyId).toBe(replyId);
      }
    }
  });
});

describe("commands", () => {
  test("GET_FREE_SIZES: 92 bytes with the device's counters and capacities", () => {
    const dev = new DeviceState({
      data: { users: [{ ...user(1), privilege: 14, password: "1" }, user(2), user(3)], records: [] },
    });
    dev.addPunch({ uid: 2 });
    const reply = new Harness(dev).connected().one(Command.GET_FREE_SIZES);
    expect(reply.data).toHaveLength(92);
    expect(decodeFreeSizes(reply.data)).toMatchObject({
      users: 3,
      records: 1,
      admins: 1,
      passwords: 1,
      usersCapacity: 10_000,
      recordsCapacity: 200_000,
      fingersCapacity: 3_000,
      usersAvailable: 9_997,
      recordsAvailable: 199_999,
    });
  });

  test("OPTIONS_RRQ answers Key=Value\\0, ACK_ERROR for an unknown key; OPTIONS_WRQ stores", () => {
    const h = new Harness(device({ serialNumber: "ABC123" })).connected();
    const serial = h.one(Command.OPTIONS_RRQ, encodeOptionRead("~SerialNumber"));
    expect(serial.data.toString("latin1")).toBe("~SerialNumber=ABC123\0");
    expect(decodeOptionValue(h.one(Command.OPTIONS_RRQ, encodeOptionRead("~Platform")).data)).toBe(
      "ZMM220_TFT",
    );
    expect(h.one(Command.OPTIONS_RRQ, encodeOptionRead("ZKFaceVersion")).command).toBe(Reply.ACK_ERROR);
    expect(h.one(Command.OPTIONS_WRQ, Buffer.from("SDKBuild=1")).command).toBe(Reply.ACK_OK);
    expect(decodeOptionValue(h.one(Command.OPTIONS_RRQ, encodeOptionRead("SDKBuild")).data)).toBe("1");
    expect(h.one(Command.OPTIONS_WRQ, encodeOptionWrite("LockOn", "5")).command).toBe(Reply.ACK_OK);
    expect(h.one(Command.OPTIONS_WRQ, Buffer.from("no-equals\0")).command).toBe(Reply.ACK_ERROR);
  });

  test("GET_VERSION, GET_PINWIDTH, STATE_RRQ", () => {
    const h = new Harness(device()).connected();
    expect(h.one(Command.GET_VERSION).data.toString("latin1")).toBe("Ver 6.60 Apr 28 2015\0");
    expect(h.one(Command.GET_PINWIDTH, Buffer.from(" P")).data).toEqual(Buffer.of(9));
    const state = h.one(Command.STATE_RRQ);
    expect(state).toMatchObject({ command: Reply.ACK_OK, sessionId: 0 });
  });

  test("SET_TIME then GET_TIME: the device clock moves, the host clock does not", () => {
    let host = Date.UTC(2024, 0, 15, 10, 0, 0);
    const dev = device({ now: () => host });
    const h = new Harness(dev).connected();
    const t = Buffer.alloc(4);
    t.writeUInt32LE(encodeZkTime("2018-12-07T19:09:06"), 0);
    expect(h.one(Command.SET_TIME, t).command).toBe(Reply.ACK_OK);
    host += 61_000;
    const reply = h.one(Command.GET_TIME);
    expect(reply.data.readUInt32LE(0)).toBe(encodeZkTime("2018-12-07T19:10:07"));
    // 2020-02-31 is an impossible date: refused, clock unchanged.
    t.writeUInt32LE((20 * 372 + 1 * 31 + 30) * 86400, 0);
    expect(h.one(Command.SET_TIME, t).command).toBe(Reply.ACK_ERROR);
    expect(h.one(Command.SET_TIME, hex("0102")).command).toBe(Reply.ACK_ERROR);
    expect(dev.now()).toBe("2018-12-07T19:10:07");
  });

  test("USER_WRQ: the captured 72-byte write (C11) creates uid 14; wrong size is refused", () => {
    const dev = device();
    const h = new Harness(dev).connected();
    const c11 = vector(
      "5050827d500000000800fc579d8a5c000e0006313233343536007c4e7565766f000000000000000000000000000000000000008f190000010000000000000000313132323434383800000000000000000000000000000000",
    );
    expect(h.one(Command.USER_WRQ, c11.data).command).toBe(Reply.ACK_OK);
    expect(dev.getUser(14)).toMatchObject({
      userId: "11224488",
      name: "Nuevo",
      password: "123456",
      card: 6543,
    });
    expect(h.one(Command.USER_WRQ, Buffer.alloc(28)).command).toBe(Reply.ACK_ERROR);
    expect(h.one(Command.REFRESHDATA).command).toBe(Reply.ACK_OK);
  });

  test("USER_WRQ on the old profile takes the 28-byte record of §5.2", () => {
    const dev = device({ profile: "old" });
    const h = new Harness(dev).connected();
    const bob = hex("01000e3132330000426f6200000000003930000000010000e9030000");
    expect(h.one(Command.USER_WRQ, bob).command).toBe(Reply.ACK_OK);
    expect(dev.getUser(1)).toMatchObject({ userId: "1001", name: "Bob", password: "123", card: 12345 });
    expect(h.one(Command.USER_WRQ, Buffer.alloc(72)).command).toBe(Reply.ACK_ERROR);
  });

  test("DELETE_USER by uid; CLEAR_ATTLOG; CLEAR_DATA with and without an FCT byte", () => {
    const dev = device();
    dev.addPunch({ uid: 1 });
    const h = new Harness(dev).connected();
    expect(h.one(Command.DELETE_USER, hex("0200")).command).toBe(Reply.ACK_OK);
    expect(h.one(Command.DELETE_USER, hex("0200")).command).toBe(Reply.ACK_ERROR);
    expect(dev.users().map((u) => u.uid)).toEqual([1]);
    expect(h.one(Command.CLEAR_ATTLOG).command).toBe(Reply.ACK_OK);
    expect(dev.recordCount).toBe(0);
    dev.addPunch({ uid: 1 });
    h.one(Command.CLEAR_DATA, Buffer.of(Fct.ATTLOG));
    expect([dev.recordCount, dev.userCount]).toEqual([0, 1]);
    dev.addPunch({ uid: 1 });
    h.one(Command.CLEAR_DATA);
    expect([dev.recordCount, dev.userCount]).toEqual([0, 0]);
  });

  test("DISABLE_DEVICE / ENABLE_DEVICE, with the optional timeout", () => {
    let host = 1_000_000;
    const dev = device({ now: () => host });
    const h = new Harness(dev).connected();
    h.one(Command.DISABLE_DEVICE, hex("00000000"));
    expect(dev.enabled).toBe(false);
    h.one(Command.ENABLE_DEVICE);
    expect(dev.enabled).toBe(true);
    h.one(Command.DISABLE_DEVICE, hex("05000000"));
    host += 4_000;
    expect(dev.enabled).toBe(false);
    host += 1_000;
    expect(dev.enabled).toBe(true);
  });

  test("RESTART and POWEROFF are acknowledged, then the device reboots", () => {
    const h = new Harness(device()).connected();
    const out = handleRequest(
      h.dev,
      h.session,
      { command: Command.RESTART, sessionId: h.session.id, replyId: 3, data: Buffer.alloc(0) },
      { transport: "tcp" },
    );
    expect(out).toMatchObject({ reboot: true, replies: [{ command: Reply.ACK_OK, replyId: 3 }] });
  });
});

describe("bulk reads", () => {
  test("a small set comes back as one CMD_DATA holding the whole buffer (R16 layout)", () => {
    const dev = device();
    const reply = new Harness(dev).connected().one(Command.PREPARE_BUFFER, encodePrepareBuffer(9, Fct.USER));
    expect(reply.command).toBe(Command.DATA);
    expect(reply.data.readUInt32LE(0)).toBe(144);
    expect(reply.data.equals(dev.userBuffer())).toBe(true);
    expect(decodeUsers(unwrapRecords(reply.data), 2).map((u) => u.userId)).toEqual(["1001", "1002"]);
  });

  test("70 users: ACK_OK + descriptor, then the captured PREPARE_DATA (R7) and last fragment (R8)", () => {
    const users = Array.from({ length: 70 }, (_, i) => user(i + 1));
    const h = new Harness(new DeviceState({ data: { users } })).connected();
    h.session.id = 0x3c5c; // the capture's session
    const start = h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(9, Fct.USER), { sessionId: 0x3c5c });
    expect(start.command).toBe(Reply.ACK_OK);
    expect(start.data).toHaveLength(13);
    expect(decodeBufferDescriptor(start.data)).toBe(5044);
    const stream = h.send(Command.READ_BUFFER, encodeReadBuffer(0, 5044), { sessionId: 0x3c5c, replyId: 22 });
    const frames = stream.map((p) => encodeTcpFrame(p).toString("hex"));
    expect(frames[0]).toBe("5050827d10000000dc050da65c3c1600b4130000f0030000");
    expect(frames[6]).toBe("5050827d0c000000dd0507fa0500160000000000");
    expect(stream.map((p) => p.command)).toEqual([1500, 1501, 1501, 1501, 1501, 1501, 1501, 2000]);
    expect(stream.slice(1, 7).map((p) => p.sessionId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(stream.every((p) => p.replyId === 22)).toBe(true);
  });

  test.each(["tcp", "udp"] as const)(
    "attendance over %s: chunks and fragments reassemble to the exact encoded buffer",
    (transport) => {
      const data = generateDeviceData({ seed: 3, users: 40, records: 2_500, end: "2024-03-01T12:00:00" });
      const dev = new DeviceState({ data });
      const h = new Harness(dev, transport).connected();
      const start = h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(Command.ATTLOG_RRQ, 0));
      const size = decodeBufferDescriptor(start.data);
      expect(size).toBe(4 + 2_500 * 40);
      const fragment = transport === "tcp" ? 1008 : 1024;
      const chunk = transport === "tcp" ? 0xffc0 : 16384;
      const parts: Buffer[] = [];
      for (let at = 0; at < size; at += chunk) {
        const length = Math.min(chunk, size - at);
        const stream = h.send(Command.READ_BUFFER, encodeReadBuffer(at, length));
        const [prepare, ...rest] = stream;
        expect(decodePrepareData(prepare!.data)).toBe(length);
        expect(prepare!.data.readUInt32LE(4)).toBe(fragment);
        const fragments = rest.slice(0, -1);
        expect(rest.at(-1)!.command).toBe(Reply.ACK_OK);
        expect(fragments.every((f) => f.command === Command.DATA && f.data.length <= fragment)).toBe(true);
        expect(stream.every((p) => p.replyId === h.replyId - 1)).toBe(true);
        parts.push(...fragments.map((f) => f.data));
      }
      expect(Buffer.concat(parts).equals(dev.attendanceBuffer())).toBe(true);
      expect(h.one(Command.FREE_DATA).command).toBe(Reply.ACK_OK);
      expect(h.one(Command.READ_BUFFER, encodeReadBuffer(0, 100)).command).toBe(Reply.ACK_ERROR);
    },
  );

  test("READ_BUFFER outside the prepared buffer is ACK_ERROR", () => {
    const users = Array.from({ length: 70 }, (_, i) => user(i + 1));
    const h = new Harness(new DeviceState({ data: { users } })).connected();
    h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(9, Fct.USER));
    for (const [start, length] of [
      [5044, 1],
      [5000, 100],
      [-1, 10],
      [0, 0],
    ] as const) {
      expect(h.one(Command.READ_BUFFER, encodeReadBuffer(start, length)).command).toBe(Reply.ACK_ERROR);
    }
    expect(h.one(Command.READ_BUFFER, hex("0000")).command).toBe(Reply.ACK_ERROR);
  });

  test("the prepared buffer is a snapshot: punches during a transfer do not change it", () => {
    const data = generateDeviceData({ seed: 4, users: 10, records: 100, end: "2024-03-01T12:00:00" });
    const dev = new DeviceState({ data });
    const h = new Harness(dev).connected();
    h.one(Command.ATTLOG_RRQ);
    const before = Buffer.from(h.session.prepared!);
    dev.addPunch({ uid: 1 });
    expect(h.session.prepared!.equals(before)).toBe(true);
    expect(dev.attendanceBuffer().readUInt32LE(0)).toBe(101 * 40);
  });

  test("ATTLOG_RRQ and USERTEMP_RRQ sent directly answer like PREPARE_BUFFER; templates are empty", () => {
    const dev = device();
    const h = new Harness(dev).connected();
    expect(h.one(Command.ATTLOG_RRQ).data).toEqual(Buffer.alloc(4));
    expect(h.one(Command.USERTEMP_RRQ, Buffer.of(Fct.USER)).data.equals(dev.userBuffer())).toBe(true);
    expect(h.one(Command.USERTEMP_RRQ, hex("010000")).command).toBe(Reply.ACK_ERROR);
    expect(h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(7, Fct.FINGERTMP)).data).toEqual(
      Buffer.alloc(4),
    );
    expect(h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(99, 0)).command).toBe(Reply.ACK_ERROR);
  });

  test("old profile: 28-byte users and 16-byte records", () => {
    const data = generateDeviceData({
      seed: 1,
      users: 5,
      records: 20,
      end: "2024-03-01T12:00:00",
      profile: "old",
    });
    const dev = new DeviceState({ profile: "old", data });
    const h = new Harness(dev).connected();
    const users = h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(9, Fct.USER));
    expect(users.data.readUInt32LE(0)).toBe(5 * 28);
    const records = h.one(Command.PREPARE_BUFFER, encodePrepareBuffer(13, 0));
    expect(records.data.readUInt32LE(0)).toBe(20 * 16);
  });
});

describe("realtime events", () => {
  test("only sessions that registered EF_ATTLOG get a punch, as command 500 with the event code", () => {
    const dev = device();
    const h = new Harness(dev).connected();
    const quiet = new Harness(dev).connected();
    expect(h.one(Command.REG_EVENT, hex("01000000")).command).toBe(Reply.ACK_OK);
    const record = dev.addPunch({ userId: "1002", punch: 1, verify: 15, timestamp: "2024-05-06T17:01:02" });
    const event = attLogEvent(dev, h.session, record)!;
    expect(event).toMatchObject({ command: 500, sessionId: EventFlag.ATTLOG, replyId: 0 });
    expect(event.data).toHaveLength(36);
    expect(decodeAttLogEvent(event.data)).toEqual([
      { userId: "1002", verify: 15, punch: 1, timestamp: "2024-05-06T17:01:02" },
    ]);
    expect(attLogEvent(dev, quiet.session, record)).toBeUndefined();
    h.one(Command.REG_EVENT, hex("00000000"));
    expect(attLogEvent(dev, h.session, record)).toBeUndefined();
  });

  test("old firmware sends the 12-byte numeric event", () => {
    const dev = device({ profile: "old" });
    const h = new Harness(dev).connected();
    h.one(Command.REG_EVENT, hex("ffff0000"));
    const record = dev.addPunch({ userId: "1001", punch: 0, timestamp: "2018-12-07T19:09:06" });
    const event = attLogEvent(dev, h.session, record)!;
    expect(event.data).toHaveLength(12);
    expect(decodeAttLogEvent(event.data)[0]).toMatchObject({
      userId: "1001",
      timestamp: "2018-12-07T19:09:06",
    });
  });
});
