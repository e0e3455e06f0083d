import { createServer } from "node:net";

/** A port free a moment ago, for a server that must come back on the same port after a crash. */
export function freePortForTest(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
