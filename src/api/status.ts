import { CircuitError, ExitCode } from '../errors';

/** gRPC status codes (the numbers of the gRPC spec; no library needed to name them). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

const BY_EXIT: Record<number, number> = {
  [ExitCode.usage]: Status.INVALID_ARGUMENT,
  [ExitCode.notFound]: Status.NOT_FOUND,
  [ExitCode.conflict]: Status.FAILED_PRECONDITION,
  [ExitCode.plugin]: Status.UNAVAILABLE,
  [ExitCode.state]: Status.DATA_LOSS,
  [ExitCode.failure]: Status.INTERNAL,
};

const BY_STATUS: Record<number, ExitCode> = {
  [Status.INVALID_ARGUMENT]: ExitCode.usage,
  [Status.RESOURCE_EXHAUSTED]: ExitCode.usage,
  11: ExitCode.usage, // OUT_OF_RANGE
  [Status.NOT_FOUND]: ExitCode.notFound,
  [Status.ALREADY_EXISTS]: ExitCode.conflict,
  [Status.FAILED_PRECONDITION]: ExitCode.conflict,
  [Status.UNAVAILABLE]: ExitCode.plugin,
  [Status.DATA_LOSS]: ExitCode.state,
};

/** The status an error is served with (one mapping for every RPC). */
export function statusOf(err: unknown): { code: number; message: string } {
  if (err instanceof CircuitError)
    return { code: BY_EXIT[err.exitCode] ?? Status.INTERNAL, message: err.message };
  return {
    code: Status.INTERNAL,
    message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
  };
}

/** The CLI's exit code for a status the daemon sent. */
export function exitOf(code: number): ExitCode {
  return BY_STATUS[code] ?? ExitCode.failure;
}
