import type { Logger } from "@biometricflow/telemetry";

/** A logger that records what it was given, for asserting on logged error ids. */
export function recordingLogger(): Logger & { lines: { level: string; obj: unknown; msg?: string }[] } {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log = { lines, error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
  return log as unknown as Logger & { lines: typeof lines };
}

/** A service implementation from a few methods; the others answer UNIMPLEMENTED-style errors. */
export function stubbed<T>(methods: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(methods, {
    get: (target, key) =>
      (target as Record<string | symbol, unknown>)[key] ??
      (async () => {
        throw new Error(`${String(key)} is not part of this test`);
      }),
  }) as T;
}
