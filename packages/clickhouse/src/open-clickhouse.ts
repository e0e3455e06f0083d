import { ClickHouseDb, type ClickHouseDbOptions } from "./clickhouse-db.js";
import {
  startLocalClickHouse,
  type LocalClickHouse,
  type LocalClickHouseOptions,
} from "./launcher/local-clickhouse.js";

export interface OpenClickHouseOptions extends Omit<ClickHouseDbOptions, "url"> {
  /** A running ClickHouse (CLICKHOUSE_URL); without it a private local server is started. */
  url?: string;
  local?: LocalClickHouseOptions;
}

export interface OpenClickHouse {
  db: ClickHouseDb;
  url: string;
  /** The private server, when one was started. */
  local?: LocalClickHouse;
  /** Close the client, and stop the private server if this started one. */
  close(): Promise<void>;
}

/** The one way services, tests and benchmarks get a ClickHouse: the given URL, or the launcher. */
export async function openClickHouse(o: OpenClickHouseOptions = {}): Promise<OpenClickHouse> {
  const local = o.url ? undefined : await startLocalClickHouse(o.local);
  const url = o.url ?? local!.url;
  const db = new ClickHouseDb({ ...o, url });
  return {
    db,
    url,
    local,
    async close() {
      await db.close();
      await local?.stop();
    },
  };
}
