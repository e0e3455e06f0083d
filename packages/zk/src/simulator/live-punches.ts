import { livePunchKeys } from "./data-generator.js";
import type { DeviceState } from "./device-state.js";
import { silentLogger, type SimLogger } from "./logger.js";
import { Rng, mixSeed } from "./rng.js";

/**
 * People punching at a terminal: on average `ratePerMin` punches a minute, at random (Poisson)
 * moments from a seeded stream. A disabled device ("working...") takes no punches. Timers are
 * unref'd so a fleet never keeps a process alive on their account. Returns a stop function.
 */
export function startLivePunches(
  state: DeviceState,
  ratePerMin: number,
  seed: number,
  logger: SimLogger = silentLogger,
): () => void {
  if (!(ratePerMin > 0)) return () => undefined;
  const rng = new Rng(mixSeed(seed, 0x11fe));
  const meanMs = 60_000 / ratePerMin;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(tick, -Math.log(1 - rng.next()) * meanMs);
    timer.unref();
  };
  const tick = (): void => {
    try {
      if (state.enabled && state.userCount > 0) state.addPunch(livePunchKeys(rng, state.now()));
    } catch (err) {
      // e.g. a corrupt state file: report it and stop punching rather than crash the fleet.
      logger.warn({ device: state.serialNumber, err: (err as Error).message }, "live punches stopped");
      return;
    }
    schedule();
  };
  schedule();
  return () => clearTimeout(timer);
}
