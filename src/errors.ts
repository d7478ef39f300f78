/**
 * The one error family. Every failure that reaches the top-level catch is a
 * CircuitError (anything else is a bug and is reported as "internal error").
 * Exit codes are part of the CLI contract (README "Exit codes").
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  plugin: 5,
  state: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CircuitError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad arguments, flags, environment or input documents. Nothing was changed. */
export class UsageError extends CircuitError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A named network, container or service does not exist. */
export class NotFoundError extends CircuitError {
  constructor(message: string) {
    super(message, ExitCode.notFound);
  }
}

/** The request conflicts with existing state (e.g. network in use). */
export class ConflictError extends CircuitError {
  constructor(message: string) {
    super(message, ExitCode.conflict);
  }
}

/** A CNI plugin (or an external tool such as tc/nft) failed. */
export class PluginError extends CircuitError {
  readonly plugin: string;
  readonly code: number | undefined;
  constructor(plugin: string, message: string, code?: number) {
    super(message, ExitCode.plugin);
    this.plugin = plugin;
    this.code = code;
  }
}

/**
 * A kernel step (ip, tc, nft, ethtool, ipvsadm, sysctl, run by src/kernel/) failed, or an
 * observation of the kernel could not be made. Exit 5 / UNAVAILABLE, like a plugin failure.
 * `gone`: the tool said the object does not exist (callers that tolerate that never see it).
 */
export class KernelError extends PluginError {
  readonly argv: readonly string[];
  readonly stderr: string;
  readonly gone: boolean;
  constructor(
    argv: readonly string[],
    message: string,
    opts: { code?: number; stderr?: string; gone?: boolean } = {},
  ) {
    super(argv[0] ?? '?', message, opts.code);
    this.argv = argv;
    this.stderr = opts.stderr ?? '';
    this.gone = opts.gone ?? false;
  }
}

/** The state directory is unreadable, corrupt or locked. */
export class StateError extends CircuitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.state, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An error that carries the failures of undoing what it interrupted. */
type WithRollback = Error & { rollbackFailures?: string[] };

/**
 * Undoing a failed change failed too: the first error stays the reason (its class, exit code and
 * gRPC status), and gains the undo's failure, both as `; rollback also failed: WHAT: WHY` in its
 * message (so the stderr line, the hook log and a remote client see it) and in
 * `rollbackFailures(err)` (the hook log's `rollback` field). Returns the error to throw.
 */
export function noteRollbackFailure(err: unknown, what: string, rollbackErr: unknown): Error {
  const target: WithRollback = err instanceof Error ? err : new CircuitError(errorMessage(err));
  const line = `${what}: ${errorMessage(rollbackErr)}`;
  target.rollbackFailures = [...(target.rollbackFailures ?? []), line];
  target.message = `${target.message}; rollback also failed: ${line}`;
  return target;
}

/** What `noteRollbackFailure` added to an error (empty when the undo went well). */
export function rollbackFailures(err: unknown): string[] {
  return err instanceof Error ? ((err as WithRollback).rollbackFailures ?? []) : [];
}
