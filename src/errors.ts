/** Exit codes of turnctl; documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  changesPending: 2,
  rolledBack: 3,
  locked: 4,
  usage: 64,
  invalidInput: 65,
} as const;

/** Base of every error turnctl expects: one line for the user, the fix included, and an exit code. */
export class TurnctlError extends Error {
  readonly exitCode: number = ExitCode.failure;
  /** Machine-readable facts for `--output json` (e.g. the run, its status and the failed checks); never secrets. */
  details?: Record<string, unknown>;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Attaches machine-readable facts (see `details`); returns the error for `throw`. */
  with(details: Record<string, unknown>): this {
    this.details = { ...this.details, ...details };
    return this;
  }
}

/** The command line itself is wrong (unknown option, missing argument, missing --yes when not a TTY). */
export class UsageError extends TurnctlError {
  override readonly exitCode = ExitCode.usage;
}

/** A file or value the user gave is invalid; `where` is `file:line:column` when there is one. */
export class InvalidInputError extends TurnctlError {
  override readonly exitCode = ExitCode.invalidInput;
  constructor(
    readonly where: string | undefined,
    readonly problem: string,
  ) {
    super(where ? `${where}: ${problem}` : problem);
  }
}

/** Another apply holds the stage's lock. */
export class LockHeldError extends TurnctlError {
  override readonly exitCode = ExitCode.locked;
}

/** A post-check failed and the release was rolled back. */
export class RolledBackError extends TurnctlError {
  override readonly exitCode = ExitCode.rolledBack;
}

/** The user said no at a confirmation prompt. */
export class AbortedError extends TurnctlError {}

/** Something turnctl did not expect: says so and asks for a report. */
export class InternalError extends TurnctlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error: ${message} (please report this with the output of --debug)`, options);
  }
}

/** Exit code for any thrown value. */
export function exitCodeOf(err: unknown): number {
  return err instanceof TurnctlError ? err.exitCode : ExitCode.failure;
}

/** AWS SDK error name, if any. */
export function awsErrorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined;
}

/** True when an AWS SDK error is one of the given names (e.g. ResourceNotFoundException). */
export function isAwsError(err: unknown, ...names: string[]): boolean {
  const name = awsErrorName(err);
  const code = (err as { Code?: string } | null)?.Code;
  return names.some((n) => n === name || n === code);
}
