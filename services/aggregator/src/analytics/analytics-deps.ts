import type { ClickHouseDb } from "@biometricflow/clickhouse";
import type { IngestStatusBoard } from "../ingest/ingest-status.js";
import type { LiveHub } from "../ingest/live-hub.js";
import type { RulesHistoryStore } from "../store/rules-history-store.js";
import type { UserStore } from "../store/user-store.js";
import type { PlaceBook } from "../sync/place-book.js";

/** What the analytics handlers read from. */
export interface AnalyticsDeps {
  db: ClickHouseDb;
  users: UserStore;
  rulesHistory: RulesHistoryStore;
  book: PlaceBook;
  hub: LiveHub;
  status: IngestStatusBoard;
  limits: { maxRangeDays: number; maxTimesheetRows: number };
}
