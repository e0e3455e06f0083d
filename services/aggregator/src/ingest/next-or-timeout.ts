export const TIMEOUT = Symbol("timeout");

/**
 * `next` if it settles within `ms`, else TIMEOUT (leaving `next` pending, to be awaited again):
 * lets a stream reader flush on time without reading the stream ahead.
 */
export async function nextOrTimeout<T>(next: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (ms <= 0) return TIMEOUT;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)));
  try {
    return await Promise.race([next, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
