import type { ClickHouseDb } from "../clickhouse-db.js";
import { lit, sql } from "../sql-literal.js";
import { migrations as all, type Migration } from "./schema.js";

export interface MigrationResult {
  /** Versions applied by this run (empty when the schema was current). */
  applied: number[];
  /** Newest version now in place. */
  version: number;
}

export class MigrationError extends Error {}

/**
 * Bring the database to the newest schema. Safe to run at every start and from several processes
 * at once: statements are IF NOT EXISTS and a version is recorded only after all of its statements
 * ran, so an interrupted run repeats the unfinished migration and nothing else.
 */
export async function migrate(db: ClickHouseDb, migrations: Migration[] = all): Promise<MigrationResult> {
  await db.command(sql`CREATE DATABASE IF NOT EXISTS ${lit.database(db.database)}`);
  await db.command(sql`CREATE TABLE IF NOT EXISTS ${db.table("schema_migrations")} (
    version UInt32,
    name String,
    applied_at DateTime('UTC') DEFAULT now()
  ) ENGINE = MergeTree ORDER BY version`);

  const rows = await db.rows<{ version: number; name: string }>(
    sql`SELECT version, any(name) AS name FROM ${db.table("schema_migrations")} GROUP BY version`,
  );
  const done = new Map(rows.map((r) => [Number(r.version), r.name]));
  const newestKnown = Math.max(0, ...migrations.map((m) => m.version));
  for (const [version, name] of done) {
    const ours = migrations.find((m) => m.version === version);
    if (!ours && version > newestKnown) {
      throw new MigrationError(
        `database ${db.database} has schema version ${version} (${name}), newer than this build knows (${newestKnown}): upgrade the aggregator`,
      );
    }
    if (ours && ours.name !== name) {
      throw new MigrationError(
        `schema version ${version} is "${name}" in the database but "${ours.name}" here`,
      );
    }
  }

  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements(db)) await db.command(statement);
    await db.insert("schema_migrations", [{ version: m.version, name: m.name }]);
    applied.push(m.version);
  }
  return { applied, version: newestKnown };
}
