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
 * A run of `count` consecutive ports free on TCP and UDP (simulated devices listen on both).
 * Another process could take one before we use it; callers surface that as a clear error.
 */
export async function freePortRange(count: number, host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Bases in 20000..39999-count: below most of the kernel's ephemeral range (32768-60999 on
    // Linux), whose TIME_WAIT sockets refuse a listen on 127.0.0.1 after a big fleet has run.
    const base = 20_000 + Math.floor(Math.random() * Math.max(1, 20_000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await tcpFree(p, host)) && (await udpFree(p, host));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`);
}
