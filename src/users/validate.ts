import { InvalidInputError } from '../errors.js';

/** A portal user as turnctl wants it: validated and normalised (email lower-case). */
export interface UserSpec {
  email: string;
  role: string;
  name?: string;
  phone?: string;
}

// RFC 5322 "dot-atom" local part and a dotted DNS domain with a 2+ letter TLD; what Cognito's email attribute accepts in practice.
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
/** E.164: a plus, a non-zero country digit, at most 15 digits in all (Cognito's phone_number format). */
const E164 = /^\+[1-9]\d{6,14}$/;

/** The problem with an email address, or undefined when valid. */
export function emailProblem(email: string): string | undefined {
  if (!email) return 'missing email';
  if (email.length > 254 || !EMAIL.test(email)) return `"${email}" is not a valid email address`;
  return undefined;
}

/** The problem with a phone number, or undefined when valid. */
export function phoneProblem(phone: string): string | undefined {
  return E164.test(phone) ? undefined : `phone "${phone}" is not in E.164 format; write it like +4915112345678 (plus, country code, number, no spaces)`;
}

/** The problem with a role, or undefined when it is one of the configured roles. */
export function roleProblem(role: string, roles: readonly string[]): string | undefined {
  if (!role) return `missing role; use one of: ${roles.join(', ')}`;
  return roles.includes(role) ? undefined : `unknown role "${role}"; roles in turnctl.yaml (users.roles): ${roles.join(', ')}`;
}

/** The problem with a display name, or undefined when valid. */
export function nameProblem(name: string): string | undefined {
  if (name.length > 256) return 'name is longer than 256 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'name contains control characters';
  return undefined;
}

/** Normalises an email for Cognito (the pool is case-insensitive; turnctl always sends lower case). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Every problem of a user spec (empty when valid); input as typed, before normalisation. */
export function userProblems(input: { email: string; role: string; name?: string; phone?: string }, roles: readonly string[]): string[] {
  const problems = [emailProblem(input.email.trim()), roleProblem(input.role.trim(), roles)];
  if (input.name !== undefined && input.name !== '') problems.push(nameProblem(input.name));
  if (input.phone !== undefined && input.phone !== '') problems.push(phoneProblem(input.phone.trim()));
  return problems.filter((p): p is string => Boolean(p));
}

/** Validates and normalises a user given on the command line; the first problem is an InvalidInputError (exit 65). */
export function userSpec(input: { email: string; role: string; name?: string; phone?: string }, roles: readonly string[]): UserSpec {
  const problems = userProblems(input, roles);
  if (problems.length) throw new InvalidInputError(undefined, problems.join('; '));
  // A blank --name is no name (as an empty CSV cell is): kept as "", it differed from the unset live name on every
  // run, so `users add --update` rewrote and audited an unchanged user each time.
  const name = input.name?.trim();
  return {
    email: normaliseEmail(input.email),
    role: input.role.trim(),
    ...(name ? { name } : {}),
    ...(input.phone ? { phone: input.phone.trim() } : {}),
  };
}

/** User statuses accepted by `--status`: Cognito's UserStatus in kebab case, plus enabled/disabled. */
export const STATUS_CHOICES = [
  'enabled',
  'disabled',
  'confirmed',
  'force-change-password',
  'reset-required',
  'unconfirmed',
  'compromised',
  'archived',
  'external-provider',
  'unknown',
] as const;
export type StatusFilter = (typeof STATUS_CHOICES)[number];

/** Kebab-case form of a Cognito UserStatus (FORCE_CHANGE_PASSWORD → force-change-password). */
export function statusName(cognitoStatus: string | undefined): string {
  return (cognitoStatus ?? 'UNKNOWN').toLowerCase().replace(/_/g, '-');
}
