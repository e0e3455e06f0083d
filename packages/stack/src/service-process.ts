import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface ServiceProcessOptions {
  /** Name used in logs and errors, e.g. "place lagos". */
  name: string;
  /** Node script to run (a bin file) and its arguments. */
  script: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** stderr of the process is appended here. */
  logFile: string;
  /** Time allowed between start and the READY line. */
  readyTimeoutMs?: number;
}

/**
 * One service as a real child process. `start` resolves with what its READY line says (the JSON
 * after "READY ", or the raw text when it is not JSON); the process can be killed (-9 included)
 * and started again with the same options, as the crash tests need.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly o: ServiceProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): Promise<unknown> {
    this.log ??= createWriteStream(this.o.logFile, { flags: "a" });
    const child = spawn(process.execPath, [this.o.script, ...(this.o.args ?? [])], {
      env: { ...process.env, ...this.o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const timeoutMs = this.o.readyTimeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${this.o.name} printed no READY line within ${timeoutMs} ms; see ${this.o.logFile}`),
        );
        child.kill("SIGKILL");
      }, timeoutMs);
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        this.log?.write(`[stdout] ${line}\n`);
        if (!line.startsWith("READY ")) return;
        clearTimeout(timer);
        const text = line.slice(6);
        try {
          resolve(JSON.parse(text));
        } catch {
          resolve(text);
        }
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.o.name} exited (${code}) before it was ready; see ${this.o.logFile}`));
      });
    });
  }

  /** Send a signal and wait for the exit. SIGKILL is the crash the tests inject. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
