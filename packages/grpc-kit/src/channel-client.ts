import { openTelemetryClientMiddleware } from "@biometricflow/telemetry";
import {
  ClientError,
  createChannel,
  createClientFactory,
  Status,
  type Channel,
  type ChannelOptions,
  type Client,
  type ClientMiddleware,
  type TsProtoServiceDefinition,
} from "nice-grpc";
import { isAbortError } from "./abort.js";
import { tokenMiddleware } from "./token-auth.js";

export interface DeadlineOptions {
  /** An instant, or milliseconds from now. */
  deadline?: Date | number;
}

export interface ChannelClientOptions {
  /** Deadline given to unary calls that set none; streams run until cancelled. Default 10 s. */
  deadlineMs?: number;
  channelOptions?: ChannelOptions;
  /** Sent as `authorization: Bearer <token>` (see tokenAuthMiddleware). */
  token?: string;
}

export interface ChannelClient<S extends TsProtoServiceDefinition> {
  client: Client<S, DeadlineOptions>;
  channel: Channel;
  close(): void;
}

/**
 * Every outbound unary call gets a deadline, so a dead peer fails the call with DEADLINE_EXCEEDED
 * instead of hanging it (nice-grpc has no deadline of its own; this cancels via the call's signal).
 */
export function deadlineMiddleware(defaultMs: number): ClientMiddleware<DeadlineOptions> {
  return async function* withDeadline(call, options) {
    const { deadline, ...rest } = options;
    const ms =
      deadline === undefined
        ? call.responseStream
          ? undefined
          : defaultMs
        : deadline instanceof Date
          ? deadline.getTime() - Date.now()
          : deadline;
    if (ms === undefined) return yield* call.next(call.request, rest);
    const controller = new AbortController();
    const cancel = (): void => controller.abort();
    rest.signal?.addEventListener("abort", cancel, { once: true });
    if (rest.signal?.aborted) cancel();
    let expired = false;
    const timer = setTimeout(
      () => {
        expired = true;
        cancel();
      },
      Math.max(0, ms),
    );
    try {
      return yield* call.next(call.request, { ...rest, signal: controller.signal });
    } catch (err) {
      if (expired && isAbortError(err)) {
        throw new ClientError(call.method.path, Status.DEADLINE_EXCEEDED, `deadline of ${ms} ms exceeded`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      rest.signal?.removeEventListener("abort", cancel);
    }
  };
}

/** A client over its own channel (insecure, host:port) with tracing and deadlines. */
export function createChannelClient<S extends TsProtoServiceDefinition>(
  definition: S,
  address: string,
  o: ChannelClientOptions = {},
): ChannelClient<S> {
  const channel = createChannel(address, undefined, o.channelOptions);
  let factory = createClientFactory()
    .use(openTelemetryClientMiddleware())
    .use(deadlineMiddleware(o.deadlineMs ?? 10_000));
  if (o.token !== undefined) factory = factory.use(tokenMiddleware(o.token));
  const client = factory.create(definition, channel);
  return { client, channel, close: () => channel.close() };
}
