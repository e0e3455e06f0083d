import dgram from "node:dgram";
import net from "node:net";

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports free on TCP and UDP, found by scanning [low, high) from a random
 * start. Below the kernel's ephemeral range (32768+ on Linux) by default, whose TIME_WAIT sockets
 * refuse a listen; a scan, not random tries, so several big fleets still fit side by side.
 */
export async function findPortRun(
  count: number,
  low = 10_000,
  high = 32_768,
  host = "127.0.0.1",
): Promise<number> {
  const span = high - low;
  const start = Math.floor(Math.random() * span);
  let runStart = 0;
  let run = 0;
  for (let i = 0; i < span; i++) {
    const port = low + ((start + i) % span);
    if (port === low) run = 0; // a run does not wrap around
    if (!((await tcpFree(port, host)) && (await udpFree(port, host)))) {
      run = 0;
      continue;
    }
    if (run === 0) runStart = port;
    if (++run === count) return runStart;
  }
  throw new Error(`no ${count} consecutive free ports in ${low}..${high - 1} on ${host}`);
}
