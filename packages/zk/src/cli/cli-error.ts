import { ZkError } from "../protocol/index.js";

/** A mistake in how the command was called: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}

/**
 * Run a CLI's main and turn every failure into one line on stderr: people get a sentence that
 * says what to do, never a stack trace. Set ZK_DEBUG=1 to see the stack of an unexpected error.
 */
export function runCli(name: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === "number") process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = report(name, err);
    },
  );
}

function report(name: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${name}: ${err.message} (see ${name} --help)\n`);
    return 2;
  }
  if (err instanceof ZkError) {
    process.stderr.write(`${name}: ${err.describe()}\n`);
    return 1;
  }
  if (err instanceof RangeError) {
    process.stderr.write(`${name}: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${name}: unexpected error: ${message}\n`);
  if (process.env.ZK_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}
