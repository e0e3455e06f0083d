// Configuration: file < AGGREGATOR_* variables, CLICKHOUSE_URL as the launcher switch, commands.
import { ConfigError } from "@biometricflow/config";
import { join } from "node:path";
import { loadAggregatorCommand } from "../src/config.js";

const example = join(__dirname, "..", "aggregator.example.yaml");

test("the example file is valid; variables override it", () => {
  const c = loadAggregatorCommand(["--config", example], {
    AGGREGATOR_GRPC__PORT: "0",
    AGGREGATOR_INGEST__BATCH_SIZE: "5",
  });
  expect(c).toMatchObject({
    name: "serve",
    config: { grpc: { port: 0 }, ingest: { batchSize: 5, flushMs: 500 } },
  });
  if (c.name === "serve") expect(c.config.places.map((p) => p.id)).toEqual(["lagos-hq", "abuja-plant"]);
});

test("places from a variable; CLICKHOUSE_URL used unless the config names a ClickHouse", () => {
  const env = { AGGREGATOR_PLACES: '[{"id":"a","grpc":"localhost:1"}]', CLICKHOUSE_URL: "http://ch:8123" };
  const c = loadAggregatorCommand([], env);
  expect(c.name === "serve" && c.config.clickhouse.url).toBe("http://ch:8123");
  const own = loadAggregatorCommand([], { ...env, AGGREGATOR_CLICKHOUSE__URL: "http://other:8123" });
  expect(own.name === "serve" && own.config.clickhouse.url).toBe("http://other:8123");
  const local = loadAggregatorCommand([], { ...env, CLICKHOUSE_URL: "" });
  expect(local.name === "serve" && local.config.clickhouse.url).toBeUndefined();
});

test("every problem at once, with its path", () => {
  expect(() =>
    loadAggregatorCommand([], {
      AGGREGATOR_PLACES: '[{"id":"a","grpc":"x:1"},{"id":"a","grpc":"no port"}]',
      AGGREGATOR_CLICKHOUSE__DATABASE: "Bad-Name",
    }),
  ).toThrow(/places\.1\.grpc[\s\S]*clickhouse\.database[\s\S]*places\.1\.id: duplicate id "a"/);
  expect(() => loadAggregatorCommand([], {})).toThrow(ConfigError);
});

test("migrate needs only a ClickHouse URL", () => {
  expect(loadAggregatorCommand(["migrate"], { CLICKHOUSE_URL: "http://ch:8123" })).toEqual({
    name: "migrate",
    clickhouse: { url: "http://ch:8123", database: "biometricflow", requestTimeoutMs: 30_000 },
  });
  expect(() => loadAggregatorCommand(["migrate"], {})).toThrow(/migrate needs a running ClickHouse/);
  expect(() => loadAggregatorCommand(["serve", "extra"], {})).toThrow(/unknown command/);
});
