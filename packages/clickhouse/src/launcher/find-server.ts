import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** How to run a ClickHouse server: the 18.x `clickhouse-server` binary or the newer `clickhouse server`. */
export interface ServerCommand {
  file: string;
  args: string[];
}

export class ClickHouseNotInstalledError extends Error {}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const usualDirs = ["/usr/sbin", "/usr/bin", "/usr/local/bin"];

/** Look on PATH and in /usr/sbin and /usr/bin (root's PATH differs from a user's on Debian). */
export function findServer(path = process.env.PATH ?? "", extraDirs = usualDirs): ServerCommand {
  const dirs = [...path.split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const standalone = join(dir, "clickhouse-server");
    if (executable(standalone)) return { file: standalone, args: [] };
  }
  for (const dir of dirs) {
    const multi = join(dir, "clickhouse");
    if (executable(multi)) return { file: multi, args: ["server"] };
  }
  throw new ClickHouseNotInstalledError(
    "clickhouse-server is not installed: run `apt-get install -y clickhouse-server clickhouse-client` " +
      "(Debian ships 18.16), or set CLICKHOUSE_URL to use a running ClickHouse",
  );
}
