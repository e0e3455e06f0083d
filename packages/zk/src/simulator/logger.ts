// The simulator logs through whatever the caller passes (a pino logger fits); silent by default
// so tests and benchmarks stay quiet.

type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface SimLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
}

const noop: LogFn = () => undefined;

export const silentLogger: SimLogger = { debug: noop, info: noop, warn: noop };
