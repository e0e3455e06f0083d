import pino, { type Logger } from "pino";

export type { Logger };

/**
 * The one logger: JSON lines on stderr (stdout is kept for READY lines and CLI output),
 * level from LOG_LEVEL, every line tagged with the service name.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: service, level, base: { service } }, pino.destination({ fd: 2, sync: false }));
}
