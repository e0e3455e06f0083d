import { randomBytes } from "node:crypto";
import { openClickHouse, type OpenClickHouse } from "./open-clickhouse.js";
import { sql, lit } from "./sql-literal.js";

/**
 * A ClickHouse of its own for one test file: a private server (in an odd time zone, to prove
 * nothing depends on the server's zone), or with CLICKHOUSE_URL set, a fresh database on that
 * server, dropped again by close().
 */
export async function openTestClickHouse(env: NodeJS.ProcessEnv = process.env): Promise<OpenClickHouse> {
  const url = env.CLICKHOUSE_URL || undefined;
  if (!url) return openClickHouse({ local: { timezone: "Asia/Kolkata" } });
  const database = `bf_test_${randomBytes(6).toString("hex")}`;
  const opened = await openClickHouse({ url, database });
  return {
    ...opened,
    async close() {
      await opened.db.command(sql`DROP DATABASE IF EXISTS ${lit.database(database)}`);
      await opened.close();
    },
  };
}
