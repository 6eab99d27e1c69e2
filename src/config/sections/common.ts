import { z } from 'zod';

/** A reference to an SSM parameter (decrypted), resolved at apply time and never printed. */
export const ssmRefSchema = z.strictObject({ ssm: z.string().min(1) });
/** A reference to a Secrets Manager secret (optionally one key of its JSON), resolved at apply time and never printed. */
export const secretRefSchema = z.strictObject({ secret: z.string().min(1), key: z.string().optional() });

/** An environment value: plain, or a reference resolved at apply time and never printed. */
export const envValueSchema = z.union(
  [z.string(), z.number().transform(String), z.boolean().transform(String), ssmRefSchema, secretRefSchema],
  { error: 'must be a string, a number, a boolean, { ssm: /parameter/name } or { secret: id, key: jsonKey } (key optional)' },
);
export type EnvValue = string | { ssm: string } | { secret: string; key?: string };

export const nameSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, starting with a letter');

/** An AWS region name (a typo would otherwise surface as an unreachable or unparsable endpoint). */
export const regionSchema = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'must be an AWS region like eu-central-1');

/** A browser origin as CORS compares it: scheme://host[:port], no path, no trailing slash, no wildcard. */
export const isWebOrigin = (o: string) => /^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?$/.test(o);

/**
 * Why a configured CORS origin would never match, or null: not scheme://host[:port], or not the serialized form a
 * browser sends in its Origin header (host in lower case, no default port). API Gateway's preflight template, the
 * functions and S3 compare the header exactly, so "https://App.example" or ":443" never matched a browser, while a
 * check that sends the configured value passed.
 */
export function webOriginProblem(o: string): string | null {
  if (!isWebOrigin(o)) return 'must be scheme://host[:port] without a path or trailing slash (no "*": list the web origins)';
  const sent = new URL(o).origin;
  return sent === o ? null : `is not what a browser sends in its Origin header ("${sent}"); write it as "${sent}"`;
}
