import { ServerError, Status, type ServerMiddleware } from "nice-grpc";
import { isAbortError } from "./abort.js";

export interface TerminatorContext {
  /** Abort this call (its context.signal) when the server shuts down; the client gets UNAVAILABLE. */
  abortOnTerminate(): void;
}

export interface Terminator {
  middleware: ServerMiddleware<TerminatorContext>;
  /** Abort every call that asked for it, and any that asks later. */
  terminate(): void;
}

/**
 * Long streams (WatchPunches, Attach, health Watch) would hold a graceful shutdown open forever;
 * they opt in to being ended by shutdown. Same contract as nice-grpc-server-middleware-terminator,
 * which the health service already understands.
 */
export function createTerminator(): Terminator {
  let terminated = false;
  const marked = new Set<AbortController>();

  const middleware: ServerMiddleware<TerminatorContext> = async function* terminator(call, context) {
    const controller = new AbortController();
    const forward = (): void => controller.abort(context.signal.reason);
    if (context.signal.aborted) forward();
    else context.signal.addEventListener("abort", forward, { once: true });
    let opted = false;
    const abortOnTerminate = (): void => {
      opted = true;
      if (terminated) controller.abort();
      else marked.add(controller);
    };
    try {
      return yield* call.next(call.request, { ...context, signal: controller.signal, abortOnTerminate });
    } catch (err) {
      if (opted && terminated && !context.signal.aborted && isAbortError(err)) {
        throw new ServerError(Status.UNAVAILABLE, "server is shutting down; reconnect");
      }
      throw err;
    } finally {
      marked.delete(controller);
      context.signal.removeEventListener("abort", forward);
    }
  };

  return {
    middleware,
    terminate() {
      terminated = true;
      for (const c of marked) c.abort();
      marked.clear();
    },
  };
}
