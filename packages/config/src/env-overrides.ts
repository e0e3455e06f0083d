import type { z } from "zod";
import { ConfigError } from "./config-error.js";

/** A tree of settings; arrays addressed by index in variable names arrive as IndexPatch. */
export type Tree = Record<string, unknown>;

/** Elements of an array set one by one (PLACE_DEVICES__0__HOST): merged into the file's array. */
export class IndexPatch {
  constructor(readonly items: Record<number, unknown> = {}) {}
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers (default, optional...); a preprocess pipe counts as what it feeds. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = def(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in && d.out) s = def(d.in).type === "transform" ? d.out : d.in;
    else return s;
  }
}

/** The schema of one step down a path, or undefined when the path names no setting. */
function child(s: z.ZodType, key: string): { key: string | number; schema: z.ZodType } | undefined {
  const d = def(unwrap(s));
  if (d.type === "object" && d.shape) {
    const name = Object.keys(d.shape).find((k) => k.toLowerCase() === key.toLowerCase());
    return name === undefined ? undefined : { key: name, schema: d.shape[name]! };
  }
  if (d.type === "array" && d.element && /^\d+$/.test(key)) return { key: Number(key), schema: d.element };
  if (d.type === "record" && d.valueType) return { key, schema: d.valueType };
  return undefined;
}

/** Text from the environment as the value the setting expects; zod reports what does not fit. */
function coerce(raw: string, s: z.ZodType): unknown {
  const type = def(unwrap(s)).type;
  const text = raw.trim();
  if (type === "number" || type === "int") return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
  if (type === "boolean") return text === "true" ? true : text === "false" ? false : raw;
  if (type === "string" || type === "enum" || type === "literal") return raw;
  if (/^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return raw;
    }
  }
  return raw;
}

const camel = (part: string) => part.toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase());

function set(node: Tree | IndexPatch, key: string | number, value: unknown): void {
  if (node instanceof IndexPatch) node.items[key as number] = value;
  else node[key] = value;
}

function get(node: Tree | IndexPatch, key: string | number): unknown {
  return node instanceof IndexPatch ? node.items[key as number] : node[key];
}

/**
 * Variables named PREFIX + path ("__" between levels, array elements by index) as an override
 * tree, each value converted to the type its setting expects (PLACE_ID=42 stays the text "42").
 * Variables whose first step names no setting are not ours and are skipped: the environment is
 * shared (Kubernetes injects PLACE_SERVICE_HOST and PLACE_PORT for a Service named "place").
 * Below a known setting, an unknown name is a mistake and is reported.
 */
export function envOverrides(schema: z.ZodType, prefix: string, env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(prefix) || raw === undefined || name.length === prefix.length) continue;
    const parts = name.slice(prefix.length).split("__").map(camel);
    let node: Tree | IndexPatch = out;
    let at: z.ZodType = schema;
    for (const [i, part] of parts.entries()) {
      const step = child(at, part);
      if (!step) {
        if (i > 0) unknown.push(name);
        break;
      }
      if (i === parts.length - 1) {
        set(node, step.key, coerce(raw, step.schema));
        break;
      }
      const isArray = def(unwrap(step.schema)).type === "array";
      let next = get(node, step.key);
      if (Array.isArray(next)) next = new IndexPatch({ ...next });
      if (!(next instanceof IndexPatch) && (typeof next !== "object" || next === null || isArray)) {
        next = isArray ? new IndexPatch() : {};
        set(node, step.key, next);
      }
      node = next as Tree | IndexPatch;
      at = step.schema;
    }
  }
  if (unknown.length > 0)
    throw new ConfigError(
      `${unknown.join(", ")}: no such setting (check the name against the documented settings)`,
    );
  return out;
}
