import type { KitCallContext } from "@biometricflow/grpc-kit";
import type { DeviceStatus, PlaceServiceImplementation } from "@biometricflow/proto";
import { AsyncQueue } from "../async-queue.js";
import type { PlaceDeps } from "./place-deps.js";

/** Every device's status, then each change; a slow client gets the latest per device. */
export function watchDevices(d: PlaceDeps): PlaceServiceImplementation<KitCallContext>["watchDevices"] {
  return async function* (_req, ctx) {
    ctx.abortOnTerminate();
    const queue = new AsyncQueue<DeviceStatus>((s) => s.deviceId);
    const unsubscribe = d.board.subscribe((s) => queue.push(s));
    try {
      for (const s of d.board.all()) queue.push(s);
      for await (const status of queue.drain(ctx.signal)) yield { status };
    } finally {
      unsubscribe();
    }
  };
}
