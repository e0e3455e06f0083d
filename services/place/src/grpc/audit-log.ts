import type { KitCallContext } from "@biometricflow/grpc-kit";
import type { PlaceServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import { decodePageToken, encodePageToken, pageSize, requireText } from "./requests.js";

/** ListAudit: what operators and auditors read of the journal's audit log. */
export function auditLog(d: PlaceDeps): Pick<PlaceServiceImplementation<KitCallContext>, "listAudit"> {
  return {
    async listAudit(req) {
      const limit = pageSize(req.pageSize, "page_size", 100, 1000);
      const before = decodePageToken(req.pageToken);
      const rows = d.journal.audit.page({
        beforeId: before || undefined,
        actionPrefix: req.actionPrefix ? requireText(req.actionPrefix, "action_prefix", 100) : undefined,
        target: req.target ? requireText(req.target, "target", 100) : undefined,
        limit: limit + 1, // one more than asked tells whether an older page exists
      });
      const page = rows.slice(0, limit);
      return {
        entries: page.map((r) => ({
          id: r.id,
          at: new Date(r.atMs),
          actor: r.actor,
          action: r.action,
          target: r.target,
          detailJson: r.detail,
        })),
        nextPageToken: rows.length > limit ? encodePageToken(page[page.length - 1]!.id) : "",
      };
    },
  };
}
