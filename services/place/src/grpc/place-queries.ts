import { InvalidArgumentError, type KitCallContext } from "@biometricflow/grpc-kit";
import type { PlaceServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import { decodePageToken, encodePageToken, pageSize } from "./requests.js";
import { deviceToProto, placeToProto, punchToProto, userToProto } from "./to-proto.js";

type Queries = Pick<
  PlaceServiceImplementation<KitCallContext>,
  "getPlace" | "listDevices" | "listUsers" | "listPunches"
>;

/** The read-only rpcs of PlaceService. */
export function placeQueries(d: PlaceDeps): Queries {
  return {
    async getPlace() {
      return { place: placeToProto(d.config), headOffset: d.feed.head, journalId: d.journal.journalId };
    },

    async listDevices() {
      return {
        devices: d.config.devices.map((c) => ({ device: deviceToProto(c), status: d.board.get(c.id) })),
      };
    },

    async listUsers() {
      return { users: d.journal.users.list().map(userToProto) };
    },

    async listPunches(req) {
      const fromMs = req.from?.getTime() ?? 0;
      const toMs = req.to?.getTime() ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
        throw new InvalidArgumentError("from/to must be valid times");
      if (fromMs > toMs) throw new InvalidArgumentError("from must not be after to");
      const limit = pageSize(req.pageSize, "page_size", 1000, 10_000);
      // One row more than asked tells whether another page exists.
      const rows = d.journal.punches.list({
        fromMs,
        toMs,
        userId: req.userId || undefined,
        deviceId: req.deviceId || undefined,
        afterOffset: decodePageToken(req.pageToken),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const more = rows.length > limit;
      return {
        punches: page.map(punchToProto),
        nextPageToken: more ? encodePageToken(page[page.length - 1]!.offset) : "",
      };
    },
  };
}
