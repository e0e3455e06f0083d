import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./config-error.js";
import { envOverrides, IndexPatch, type Tree } from "./env-overrides.js";

export { ConfigError };

export interface LoadConfigOptions {
  /** YAML or JSON file; optional. */
  file?: string;
  /** Variables named PREFIX + path, "__" between levels: PLACE_GRPC__PORT -> grpc.port. */
  envPrefix: string;
  env?: NodeJS.ProcessEnv;
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof IndexPatch);
}

function mergeValue(base: unknown, over: unknown): unknown {
  if (over instanceof IndexPatch) {
    const out = Array.isArray(base) ? [...(base as unknown[])] : [];
    for (const [i, v] of Object.entries(over.items)) out[Number(i)] = mergeValue(out[Number(i)], v);
    return out;
  }
  return isTree(over) && isTree(base) ? merge(base, over) : over;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValue(out[k], v);
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
  const merged = merge(fromFile, envOverrides(schema, o.envPrefix, o.env ?? process.env));
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const where = o.file ? ` (file ${o.file}, variables ${o.envPrefix}*)` : ` (variables ${o.envPrefix}*)`;
  const problems = result.error.issues.map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`);
  throw new ConfigError(`invalid configuration${where}:\n${problems.join("\n")}`);
}
