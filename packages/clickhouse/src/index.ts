export { Sql, SqlLiteralError, sql, joinSql, lit, type IntType } from "./sql-literal.js";
export { ClickHouseDb, type ClickHouseDbOptions, type TableName } from "./clickhouse-db.js";
export { RowBinaryInsert } from "./row-binary-insert.js";
export {
  startLocalClickHouse,
  type LocalClickHouse,
  type LocalClickHouseOptions,
} from "./launcher/local-clickhouse.js";
export { ClickHouseNotInstalledError } from "./launcher/find-server.js";
export { openClickHouse, type OpenClickHouse, type OpenClickHouseOptions } from "./open-clickhouse.js";
export { migrate, MigrationError, type MigrationResult } from "./migrations/migrate.js";
export { migrations, type Migration } from "./migrations/schema.js";
export { openTestClickHouse } from "./testing.js";
export { tsvString } from "./tsv.js";
export { RowBinaryReader, RowBinaryError, StringTable } from "./row-binary-reader.js";
export {
  MAX_DATETIME,
  putBytes,
  putString,
  putStringBytes,
  putUInt32,
  putUInt64,
  putUInt8,
  putVarUInt,
} from "./row-binary-writer.js";
