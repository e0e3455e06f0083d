import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ServerConfigOptions {
  /** Holds data/ and log/ of this private server. */
  dir: string;
  httpPort: number;
  tcpPort: number;
  interserverPort: number;
  /** Listen on ::1 as well as 127.0.0.1. */
  ipv6: boolean;
  /** Server time zone; the schema never depends on it (every DateTime names 'UTC'). */
  timezone?: string;
  /** Where the packaged config lives; default /etc/clickhouse-server. */
  systemConfigDir?: string;
}

// Used when the package's files are missing (e.g. a tarball install): enough for a local server.
const minimalConfig = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>/var/log/clickhouse-server/clickhouse-server.log</log>
    <errorlog>/var/log/clickhouse-server/clickhouse-server.err.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>8123</http_port><tcp_port>9000</tcp_port><interserver_http_port>9009</interserver_http_port>
  <path>/var/lib/clickhouse/</path><tmp_path>/var/lib/clickhouse/tmp/</tmp_path>
  <user_files_path>/var/lib/clickhouse/user_files/</user_files_path>
  <format_schema_path>/var/lib/clickhouse/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
</yandex>
`;

const minimalUsers = `<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</yandex>
`;

const ourPorts = ["http_port", "tcp_port", "interserver_http_port"] as const;

/**
 * The packaged config.xml with every path moved under `dir`, our three ports, every other port
 * (https, mysql, postgresql, grpc...) removed so nothing collides with another server, and
 * listening on loopback only. Comments are dropped first so commented-out tags cannot match.
 */
export function serverConfigXml(o: ServerConfigOptions): string {
  const file = join(o.systemConfigDir ?? "/etc/clickhouse-server", "config.xml");
  let xml = existsSync(file) ? readFileSync(file, "utf8") : minimalConfig;
  xml = xml.replace(/<!--[\s\S]*?-->/g, "");
  xml = xml.replaceAll("/var/lib/clickhouse/", `${join(o.dir, "data")}/`);
  xml = xml.replaceAll("/var/log/clickhouse-server/", `${join(o.dir, "log")}/`);
  const ports: Record<(typeof ourPorts)[number], number> = {
    http_port: o.httpPort,
    tcp_port: o.tcpPort,
    interserver_http_port: o.interserverPort,
  };
  xml = xml.replace(/<(\w+_port)>[^<]*<\/\1>\s*/g, (_m, tag: string) =>
    tag in ports ? `<${tag}>${ports[tag as keyof typeof ports]}</${tag}>\n    ` : "",
  );
  for (const tag of ourPorts) {
    if (!xml.includes(`<${tag}>`)) xml = appendToRoot(xml, `<${tag}>${ports[tag]}</${tag}>`);
  }
  xml = xml.replace(/<listen_host>[^<]*<\/listen_host>\s*/g, "");
  xml = appendToRoot(xml, "<listen_host>127.0.0.1</listen_host>");
  if (o.ipv6) xml = appendToRoot(xml, "<listen_host>::1</listen_host>");
  // Quiet by default: warnings and errors only, in dir/log.
  xml = xml.replace(/(<logger>[\s\S]*?<level>)[^<]*(<\/level>)/, "$1warning$2");
  xml = xml.replace(/<timezone>[^<]*<\/timezone>\s*/g, "");
  if (o.timezone) xml = appendToRoot(xml, `<timezone>${o.timezone}</timezone>`);
  return xml;
}

export function serverUsersXml(systemConfigDir = "/etc/clickhouse-server"): string {
  const file = join(systemConfigDir, "users.xml");
  return existsSync(file) ? readFileSync(file, "utf8") : minimalUsers;
}

/** Insert before the closing root tag (<yandex> in 18.x, <clickhouse> in current releases). */
function appendToRoot(xml: string, element: string): string {
  const close = /<\/(yandex|clickhouse)>\s*$/.exec(xml);
  if (!close) throw new Error("ClickHouse config.xml has no <yandex> or <clickhouse> root");
  return `${xml.slice(0, close.index)}    ${element}\n${xml.slice(close.index)}`;
}
