import { ZkError } from "@biometricflow/zk";
import { ClientError, Status } from "nice-grpc";

/** One line for a status detail or a log: what failed and where, no stack. */
export function describeError(err: unknown): string {
  if (err instanceof ZkError) return err.describe();
  if (err instanceof ClientError) return `place ${err.path}: ${Status[err.code]} ${err.details}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The device refused our comm key: retrying soon will not help. */
export function isAuthFailure(err: unknown): boolean {
  return err instanceof ZkError && err.kind === "unauthenticated";
}
