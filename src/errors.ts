import { redact } from './secrets/known.js';

/** Exit codes of turnctl; documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  changesPending: 2,
  rolledBack: 3,
  locked: 4,
  usage: 64,
  invalidInput: 65,
  interrupted: 130,
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

/** An object in the stage's state bucket (journal, lock) that turnctl cannot read: damaged, or of a newer version. */
export class StateFileError extends TurnctlError {}

/** The user said no at a confirmation prompt. */
export class AbortedError extends TurnctlError {}

/** The user pressed Ctrl-C at a prompt: nothing was changed; 130 is what a shell reports for an interrupted command. */
export class InterruptedError extends AbortedError {
  override readonly exitCode = ExitCode.interrupted;
}

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

/** An endpoint (AWS or the local sandbox) could not be reached. */
export class UnreachableError extends TurnctlError {}

/** No usable AWS credentials: missing, expired or not accepted. */
export class CredentialsError extends TurnctlError {}

/** AWS answered a call with an error turnctl has no special case for (denied, throttled past retries, refused). */
export class AwsCallError extends TurnctlError {}

/** Which AWS call an error came from (set by the client factory's middleware). */
export interface AwsCallInfo {
  service: string;
  command: string;
  endpoint?: string;
}

const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError'];
const CREDENTIAL_ERRORS = ['CredentialsProviderError', 'TokenProviderError'];
const EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'];
const DENIED = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'NotAuthorizedException'];
const BAD_CREDENTIALS = ['UnrecognizedClientException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidSignatureException'];
const THROTTLED = ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded'];

/**
 * Turns an error nothing else handled into the one line the user gets. What the environment causes (no network, no
 * credentials, a denied or throttled AWS call, an AWS error turnctl has no special case for) says what failed and how
 * to fix it; only what is left is an internal error that asks for a report.
 */
export function describeFailure(err: unknown): TurnctlError {
  if (err instanceof TurnctlError) return err;
  const e = (err ?? {}) as { name?: string; code?: string; message?: string; address?: string; port?: number; hostname?: string; $metadata?: unknown; turnctlAwsCall?: AwsCallInfo };
  const call = e.turnctlAwsCall;
  const what = call ? `${call.service} ${call.command}` : 'an AWS call';
  const message = String(e.message ?? err).split('\n')[0];
  const code = e.code ?? e.name ?? '';
  if (NETWORK_CODES.includes(code)) {
    const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : (e.hostname ?? call?.endpoint ?? 'the AWS endpoint');
    const local = /^(127\.|::1|localhost)/.test(String(where)) || /127\.0\.0\.1|localhost/.test(call?.endpoint ?? '');
    const fix = local ? 'is the local sandbox running? start it with: turnctl sandbox start' : "check the network and the stage's region/endpoint";
    return new UnreachableError(`cannot reach ${where} (${code}${call ? ` during ${what}` : ''}); ${fix}`, { cause: err });
  }
  // The stage's profile is used unless the environment holds credentials (context.ts); AWS_PROFILE only for a stage without one.
  if (CREDENTIAL_ERRORS.includes(e.name ?? ''))
    return new CredentialsError(
      `no AWS credentials: ${message.replace(/[.\s]+$/, '')}; set the stage's profile in turnctl.yaml (e.g. after aws sso login), or put credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a web identity in CI), which win over the profile`,
      { cause: err },
    );
  if (e.$metadata === undefined && !call) return new InternalError(message, { cause: err });
  const name = e.name ?? 'Error';
  if (EXPIRED.includes(name)) return new CredentialsError(`the AWS credentials have expired (${what}); refresh them (e.g. aws sso login) and run again`, { cause: err });
  if (BAD_CREDENTIALS.includes(name)) return new CredentialsError(`AWS does not accept these credentials (${what}: ${name}); check the stage's profile or the AWS_* variables`, { cause: err });
  if (DENIED.includes(name)) return new AwsCallError(`AWS denied ${what}: ${message}; the caller needs that permission (or use a profile that has it)`, { cause: err });
  // S3 answers a HEAD (HeadBucket, HeadObject) it denies with a bare 403 and no body: the SDK can only call it Unknown.
  const status = (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
  if (status === 403 && ['Unknown', 'UnknownError', 'Forbidden', '403'].includes(name))
    return new AwsCallError(`AWS denied ${what}: 403 Forbidden; the caller needs that permission (or use a profile that has it)`, { cause: err });
  if (THROTTLED.includes(name)) return new AwsCallError(`AWS kept throttling ${what} after the SDK's retries; lower the stage's concurrency or raise TURNCTL_MAX_ATTEMPTS and run again`, { cause: err });
  // A 5xx reaches turnctl only after the SDK's retries gave up: say so, as the message alone says "try again".
  if (status !== undefined && status >= 500) {
    const attempts = (e.$metadata as { attempts?: number }).attempts;
    return new AwsCallError(`AWS ${what} failed: ${name} (HTTP ${status}) on every one of the SDK's ${attempts ?? 'retry'} attempts; the service is failing, run again later or raise TURNCTL_MAX_ATTEMPTS`, { cause: err });
  }
  return new AwsCallError(`AWS ${what} failed: ${name}: ${message}`, { cause: err });
}

/** The one line a journal, a check result or a step error records for a failure (described, secrets scrubbed). */
export function failureLine(err: unknown): string {
  return redact(describeFailure(err).message.split('\n')[0]!).replace(/\.$/, '');
}
