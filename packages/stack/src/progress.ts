import { PlaceServiceDefinition } from "@biometricflow/proto";
import { createChannel, createClient } from "nice-grpc";
import type { LocalStack } from "./local-stack.js";

async function clickhouseCount(url: string): Promise<number | undefined> {
  try {
    const query = encodeURIComponent("SELECT count() FROM biometricflow.punches FINAL");
    const res = await fetch(`${url}/?query=${query}`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? Number((await res.text()).trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Every few seconds: punches in each place's journal and in ClickHouse. Returns a stop function. */
export function watchProgress(stack: LocalStack, print: (line: string) => void, everyMs = 3_000): () => void {
  const clients = stack.places.map((p) => ({
    id: p.id,
    client: createClient(PlaceServiceDefinition, createChannel(p.grpc)),
  }));
  let last = "";
  const tick = async () => {
    const heads = await Promise.all(
      clients.map(async ({ id, client }) => {
        try {
          const r = await client.getPlace({}, { signal: AbortSignal.timeout(3_000) });
          return `${id} ${r.headOffset}`;
        } catch {
          return `${id} down`;
        }
      }),
    );
    const ch = stack.clickhouse ? await clickhouseCount(stack.clickhouse.url) : undefined;
    const line = `progress: journals [${heads.join(", ")}]${ch === undefined ? "" : `, clickhouse ${ch} punches`}`;
    if (line !== last) print(line);
    last = line;
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return () => clearInterval(timer);
}
