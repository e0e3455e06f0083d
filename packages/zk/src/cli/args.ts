import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { UsageError } from "./cli-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Strict flag parsing: unknown flags and missing values are usage errors, not stack traces. */
export function parseFlags(argv: string[], options: Options, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
}

/** Validate parsed flags against a schema; the first problem becomes a one-line usage error. */
export function validate<S extends z.ZodType>(schema: S, values: unknown): z.infer<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = issue.path.length
    ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    : "";
  throw new UsageError(flag ? `${flag}: ${issue.message}` : issue.message);
}

const int = (what: string, min: number, max: number) =>
  z
    .string({ error: `is required (${what})` })
    .regex(/^\d+$/, `must be a whole number (${what})`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const flag = {
  port: () => int("a TCP/UDP port", 1, 65535),
  int,
  host: () =>
    z
      .string({ error: "is required: the device's address, e.g. --host 192.168.1.201" })
      .min(1, "must not be empty"),
  commKey: () => int("the device's numeric comm key", 0, 0xffffffff).optional(),
};
