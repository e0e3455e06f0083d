import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

/** A configuration that cannot be used: the message lists every problem and where it came from. */
export class ConfigError extends Error {}

export interface LoadConfigOptions {
  /** YAML or JSON file; optional. */
  file?: string;
  /** Variables named PREFIX + path, "__" between levels: PLACE_GRPC__PORT -> grpc.port. */
  envPrefix: string;
  env?: NodeJS.ProcessEnv;
}

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  return out;
}

/** Numbers, booleans and JSON arrays/objects in variables become values; anything else stays text. */
function envValue(raw: string): unknown {
  if (/^(-?\d+(\.\d+)?|true|false|\[.*\]|\{.*\})$/s.test(raw.trim())) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function fromEnv(prefix: string, env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const path = name
      .slice(prefix.length)
      .toLowerCase()
      .split("__")
      .map((p) => p.replace(/_(.)/g, (_, c: string) => c.toUpperCase()));
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] = isTree(node[key]) ? node[key] : {}) as Tree;
    node[path.at(-1)!] = envValue(raw);
  }
  return out;
}

function readFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${file} is not valid YAML/JSON: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  if (parsed != null && !isTree(parsed))
    throw new ConfigError(`config file ${file} must hold an object at the top`);
  return (parsed as Tree) ?? {};
}

/**
 * The one way services read configuration: environment over file over the schema's defaults,
 * validated once at start-up. Every problem is reported at once, with its path.
 */
export function loadConfig<S extends z.ZodType>(schema: S, o: LoadConfigOptions): z.infer<S> {
  const fromFile = o.file ? readFile(o.file) : {};
  const merged = merge(fromFile, fromEnv(o.envPrefix, o.env ?? process.env));
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const where = o.file ? ` (file ${o.file}, variables ${o.envPrefix}*)` : ` (variables ${o.envPrefix}*)`;
  const problems = result.error.issues.map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`);
  throw new ConfigError(`invalid configuration${where}:\n${problems.join("\n")}`);
}
