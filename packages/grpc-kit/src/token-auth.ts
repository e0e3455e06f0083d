import { createHash, timingSafeEqual } from "node:crypto";
import { Metadata, ServerError, Status, type ClientMiddleware, type ServerMiddleware } from "nice-grpc";

/** Services whose calls must carry `authorization: Bearer <token>`. */
export interface TokenAuth {
  token: string;
  /** Full names, e.g. "biometricflow.v1.SupervisorLinkService"; other services stay open. */
  services: readonly string[];
  /** Said to a caller without the right token: which setting to fix. */
  hint: string;
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/**
 * Refuses calls to the protected services that lack the token, with UNAUTHENTICATED and the hint.
 * Compared as digests in constant time, so timing says nothing about the token.
 */
export function tokenAuthMiddleware(auth: TokenAuth): ServerMiddleware {
  const expected = digest(`Bearer ${auth.token}`);
  const prefixes = auth.services.map((s) => `/${s}/`);
  return async function* checkToken(call, context) {
    if (prefixes.some((p) => call.method.path.startsWith(p))) {
      const given = context.metadata.get("authorization");
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new ServerError(
          Status.UNAUTHENTICATED,
          `${given === undefined ? "no" : "a wrong"} token for ${call.method.path}: ${auth.hint}`,
        );
      }
    }
    return yield* call.next(call.request, context);
  };
}

/** Sends `authorization: Bearer <token>` with every call. */
export function tokenMiddleware(token: string): ClientMiddleware {
  return async function* withToken(call, options) {
    const metadata = Metadata(options.metadata).set("authorization", `Bearer ${token}`);
    return yield* call.next(call.request, { ...options, metadata });
  };
}
